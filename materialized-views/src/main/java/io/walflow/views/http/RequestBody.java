package io.walflow.views.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.io.ByteArrayOutputStream;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SynchronousSink;
import reactor.netty.http.server.HttpServerRequest;

/**
 * Reads a request's whole body, bounded, before the server answers it.
 *
 * <p>Every request is read to its end before its answer starts, even on endpoints that take no
 * body: with reactor-netty 1.3.7 a keep-alive request answered while its trailing content still
 * waits in the connection's queue stops the connection from reading any further request
 * (reactor/reactor-netty#4361, fixed in 1.3.8), so the client hangs. Answering only after the
 * body's end has been consumed keeps the connection reading.
 */
final class RequestBody {
  /** Bodies over the limit but up to this size are read and discarded before the 413. */
  static final long DISCARD_LIMIT = 1 << 20;
  private static final Mono<byte[]> NONE = Mono.just(new byte[0]);

  private RequestBody() {}

  /**
   * The body, or a 413 {@link HttpError} when it is over {@code max} bytes (the caller then closes
   * the connection). A body over the limit is still read and discarded up to {@link #DISCARD_LIMIT}
   * bytes so that the client, still sending, reads the 413 rather than a reset connection; beyond
   * that (announced or arrived) the 413 goes out at once.
   */
  static Mono<byte[]> read(HttpServerRequest req, int max) {
    long cap = Math.max(max, DISCARD_LIMIT);
    String length = req.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
    if ((length == null || length.strip().equals("0"))
        && !req.requestHeaders().contains(HttpHeaderNames.TRANSFER_ENCODING)) {
      // No body (HTTP/1.1: neither a length nor a transfer coding): only its end is waited for.
      return req.receive().then(NONE);
    }
    if (length != null && length.strip().matches("\\d{1,18}") && Long.parseLong(length.strip()) > cap) {
      return Mono.error(tooLarge(length.strip(), max));
    }
    return Mono.defer(() -> {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      long[] total = {0};
      return req.receive()
          .<byte[]>handle((ByteBuf b, SynchronousSink<byte[]> sink) -> {
            int n = b.readableBytes();
            total[0] += n;
            if (total[0] > cap) {
              sink.error(tooLarge("over " + cap, max));
            } else if (total[0] <= max) {
              byte[] chunk = new byte[n];
              b.readBytes(chunk);
              out.write(chunk, 0, n);
            }
          })
          .then(Mono.fromCallable(() -> {
            if (total[0] > max) {
              throw tooLarge(Long.toString(total[0]), max);
            }
            return out.toByteArray();
          }));
    });
  }

  private static HttpError tooLarge(String length, int max) {
    return new HttpError(413, "request body of " + length + " bytes is over the limit of " + max);
  }
}
