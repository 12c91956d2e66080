package io.walflow.replica.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.function.BiFunction;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SynchronousSink;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Wraps the handler of a server whose endpoints take no request body: every request is read to
 * its end before it is answered, and one that carries a body is refused (400; 413 past {@link
 * #DISCARD_LIMIT}) with {@code Connection: close}.
 *
 * <p>Reading first matters: with reactor-netty 1.3.7 a keep-alive request answered while its
 * trailing content still waits in the connection's queue stops the connection from reading any
 * further request (reactor/reactor-netty#4361, fixed in 1.3.8), and the client hangs.
 */
public final class BodilessRequests {
  /** Bodies up to this size are read and discarded before the refusal; longer ones are cut off. */
  static final long DISCARD_LIMIT = 1 << 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  private BodilessRequests() {}

  /** {@code handler}, called once the request's (empty) body has been read. */
  public static BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> wrap(
      BiFunction<HttpServerRequest, HttpServerResponse, Publisher<Void>> handler) {
    return (req, res) -> {
      String length = req.requestHeaders().get(HttpHeaderNames.CONTENT_LENGTH);
      if (length != null && length.strip().matches("\\d{1,18}") && Long.parseLong(length.strip()) > DISCARD_LIMIT) {
        return refuse(res, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, req.method() + " " + req.fullPath()
            + " takes no request body (got " + length.strip() + " bytes)");
      }
      long[] total = {0};
      return req.receive()
          .<Long>handle((ByteBuf b, SynchronousSink<Long> sink) -> {
            total[0] += b.readableBytes();
            if (total[0] > DISCARD_LIMIT) {
              sink.error(new IllegalStateException());
            }
          })
          .then(Mono.defer(() -> total[0] == 0 ? Mono.from(handler.apply(req, res))
              : refuse(res, HttpResponseStatus.BAD_REQUEST, req.method() + " " + req.fullPath()
                  + " takes no request body (got " + total[0] + " bytes)")))
          .onErrorResume(IllegalStateException.class, e -> refuse(res, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
              req.method() + " " + req.fullPath() + " takes no request body (got over " + DISCARD_LIMIT + " bytes)"));
    };
  }

  private static Mono<Void> refuse(HttpServerResponse res, HttpResponseStatus status, String message) {
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(JSON.createObjectNode().put("error", message));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return res.status(status).keepAlive(false)
        .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
        .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(body.length))
        .sendByteArray(Mono.just(body)).then();
  }
}
