package io.walflow.views.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.QueryStringEncoder;
import io.walflow.dataflow.ViewResult;
import io.walflow.ingest.change.ChangeFormatException;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.RealValue;
import io.walflow.ingest.change.TextValue;
import io.walflow.ingest.change.Value;
import io.walflow.views.ViewEvent;
import io.walflow.views.json.EventJson;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.util.retry.Retry;

/**
 * A Java client of the walflow views HTTP API (reactor-netty).
 *
 * <pre>{@code
 * try (WalflowClient c = WalflowClient.create(URI.create("http://127.0.0.1:8080"), Optional.of(token))) {
 *   ViewResult r = c.lookup("top", List.of("42"), OptionalLong.empty(), Duration.ZERO).block();
 *   c.subscribe("top", List.of("42"), OptionalLong.empty()).subscribe(event -> ...);
 * }
 * }</pre>
 *
 * <p>{@link #subscribe} follows a view over Server-Sent Events and, when the connection drops or
 * stalls, reconnects with exponential back-off, sending the last LSN it received as {@code
 * Last-Event-ID}: the server resumes with exactly the deltas after it, or a snapshot flagged
 * {@code resync} when its history no longer reaches back that far. It ends when the view is
 * dropped, and fails on a refusal that retrying cannot fix (unknown view, bad arguments, rights).
 *
 * <p>Thread-safe. Subscriptions use one connection each; lookups share a pool.
 */
public final class WalflowClient implements AutoCloseable {
  private static final int MAX_EVENT_BYTES = 64 << 20;
  private final URI base;
  private final Optional<String> token;
  private final ConnectionProvider pool;
  private final HttpClient lookups;
  private final HttpClient streams;
  private final Duration stallTimeout;
  private final Duration minBackoff;
  private final Duration maxBackoff;

  private WalflowClient(URI base, Optional<String> token, Duration stallTimeout, Duration minBackoff,
      Duration maxBackoff) {
    this.base = base;
    this.token = token;
    this.stallTimeout = stallTimeout;
    this.minBackoff = minBackoff;
    this.maxBackoff = maxBackoff;
    this.pool = ConnectionProvider.builder("walflow-client").maxConnections(64).pendingAcquireMaxCount(-1).build();
    this.lookups = configure(HttpClient.create(pool));
    this.streams = configure(HttpClient.create(ConnectionProvider.newConnection()));
  }

  /**
   * A client of the server at {@code base} ({@code http://host:port}); a subscription that receives
   * nothing (not even a progress event) for 30 s reconnects (noticed within a quarter of that
   * timeout after it passes); back-off from 100 ms to 5 s.
   */
  public static WalflowClient create(URI base, Optional<String> token) {
    return create(base, token, Duration.ofSeconds(30), Duration.ofMillis(100), Duration.ofSeconds(5));
  }

  /** As {@link #create(URI, Optional)} with explicit stall timeout and back-off bounds. */
  public static WalflowClient create(URI base, Optional<String> token, Duration stallTimeout, Duration minBackoff,
      Duration maxBackoff) {
    Objects.requireNonNull(base, "base");
    if (!"http".equals(base.getScheme()) || base.getHost() == null) {
      throw new IllegalArgumentException("base must be http://host:port, got " + base);
    }
    return new WalflowClient(base, token, stallTimeout, minBackoff, maxBackoff);
  }

  private HttpClient configure(HttpClient c) {
    HttpClient out = c.baseUrl(base.toString().replaceAll("/+$", ""));
    if (token.isPresent()) {
      String auth = "Bearer " + token.get();
      out = out.headers(h -> h.set("Authorization", auth));
    }
    return out;
  }

  /**
   * The view's rows for {@code args} (text, coerced by the server to the parameters' types), at an
   * LSN of at least {@code minLsn}, waiting up to {@code timeout} for it.
   */
  public Mono<ViewResult> lookup(String view, List<String> args, OptionalLong minLsn, Duration timeout) {
    QueryStringEncoder q = new QueryStringEncoder(path(view));
    args.forEach(a -> q.addParam("arg", a));
    minLsn.ifPresent(l -> q.addParam("minLsn", Long.toString(l)));
    if (minLsn.isPresent()) {
      q.addParam("timeoutMs", Long.toString(timeout.toMillis()));
    }
    return lookups.get().uri(q.toString())
        .responseSingle((resp, body) -> body.asByteArray().defaultIfEmpty(new byte[0]).map(bytes -> {
          if (resp.status().code() != 200) {
            throw refusal(resp.status().code(), bytes);
          }
          return parseResult(bytes);
        }));
  }

  /** {@link #lookup} with in-process values (integers, reals and text; blobs cannot be sent). */
  public Mono<ViewResult> lookupValues(String view, List<Value> args, OptionalLong minLsn, Duration timeout) {
    return lookup(view, texts(args), minLsn, timeout);
  }

  /**
   * Follows the view's rows for {@code args}: a snapshot, then deltas and progress events, in LSN
   * order, reconnecting and resuming automatically (see the class description). With {@code
   * fromLsn}, starts as a resume from that LSN.
   */
  public Flux<ViewEvent> subscribe(String view, List<String> args, OptionalLong fromLsn) {
    AtomicLong last = new AtomicLong(fromLsn.orElse(-1));
    Retry retry = Retry.backoff(Long.MAX_VALUE, minBackoff).maxBackoff(maxBackoff).transientErrors(true)
        .filter(e -> !(e instanceof WalflowClientException w) || w.retryable());
    return Flux.defer(() -> connect(view, args, last.get()))
        .doOnNext(e -> last.set(e.lsn()))
        .retryWhen(retry);
  }

  /** Creates a view; the server's description of it (name, sql, db, columns, parameters, …). */
  public Mono<JsonNode> createView(String name, String sql) {
    byte[] body;
    try {
      body = EventJson.MAPPER.writeValueAsBytes(EventJson.MAPPER.createObjectNode().put("name", name).put("sql", sql));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return lookups.headers(h -> h.set("Content-Type", "application/json")).post().uri("/v1/views")
        .send(Mono.just(io.netty.buffer.Unpooled.wrappedBuffer(body)))
        .responseSingle((resp, b) -> b.asByteArray().defaultIfEmpty(new byte[0]).map(bytes -> {
          if (resp.status().code() != 201) {
            throw refusal(resp.status().code(), bytes);
          }
          try {
            return EventJson.MAPPER.readTree(bytes);
          } catch (IOException e) {
            throw new WalflowClientException(0, "the server's answer is not JSON: " + e.getMessage(), OptionalLong.empty());
          }
        }));
  }

  /** Drops a view. */
  public Mono<Void> dropView(String name) {
    return lookups.delete().uri(path(name))
        .responseSingle((resp, b) -> b.asByteArray().defaultIfEmpty(new byte[0]).map(bytes -> {
          if (resp.status().code() != 204) {
            throw refusal(resp.status().code(), bytes);
          }
          return bytes;
        })).then();
  }

  private Flux<ViewEvent> connect(String view, List<String> args, long lastLsn) {
    QueryStringEncoder q = new QueryStringEncoder(path(view) + "/subscribe");
    args.forEach(a -> q.addParam("arg", a));
    HttpClient c = streams.headers(h -> {
      h.set("Accept", "text/event-stream");
      if (lastLsn >= 0) {
        h.set("Last-Event-ID", Long.toString(lastLsn));
      }
    });
    // A watchdog that looks at the time of the last event now and then, rather than Flux.timeout,
    // which cancels and schedules a timer for every event (10,000 subscriptions, 10,000 timers per delta).
    AtomicLong lastEventAt = new AtomicLong(System.nanoTime());
    long stallNanos = stallTimeout.toNanos();
    Duration check = Duration.ofNanos(Math.max(1_000_000, stallNanos / 4));
    Flux<SseParser.SseEvent> stalled = Flux.interval(check, check)
        .filter(t -> System.nanoTime() - lastEventAt.get() > stallNanos)
        .next()
        .flatMapMany(t -> Flux.error(new WalflowClientException(0, "no event for " + stallTimeout + ": reconnecting",
            OptionalLong.empty())));
    return c.get().uri(q.toString()).response((resp, body) -> {
      if (resp.status().code() != 200) {
        return body.aggregate().asByteArray().defaultIfEmpty(new byte[0])
            .flatMapMany(bytes -> Flux.error(refusal(resp.status().code(), bytes)));
      }
      SseParser parser = new SseParser(MAX_EVENT_BYTES);
      return body.asByteArray().concatMapIterable(parser::feed)
          .concatWith(Flux.error(() -> new WalflowClientException(0, "the server closed the stream", OptionalLong.empty())));
    }).doOnNext(e -> lastEventAt.lazySet(System.nanoTime()))
        .mergeWith(stalled)
        .onErrorMap(e -> !(e instanceof WalflowClientException),
            e -> new WalflowClientException(0, "connection failed: " + e, OptionalLong.empty()))
        .takeWhile(e -> !e.type().equals("end"))
        .map(this::toEvent);
  }

  private ViewEvent toEvent(SseParser.SseEvent e) {
    if (e.type().equals("error")) {
      throw refusal(0, e.data().getBytes(StandardCharsets.UTF_8));
    }
    try {
      return EventJson.parse(e.type(), e.data());
    } catch (ChangeFormatException ex) {
      throw new WalflowClientException(0, "malformed event from the server: " + ex.getMessage(), OptionalLong.empty());
    }
  }

  private static ViewResult parseResult(byte[] bytes) {
    try {
      JsonNode node = EventJson.MAPPER.readTree(bytes);
      List<String> columns = new ArrayList<>();
      node.get("columns").forEach(c -> columns.add(c.asText()));
      return new ViewResult(EventJson.lsn(node, "result"), columns, EventJson.rows(node.get("rows"), "result.rows"));
    } catch (IOException | ChangeFormatException | RuntimeException e) {
      throw new WalflowClientException(0, "malformed lookup result: " + e.getMessage(), OptionalLong.empty());
    }
  }

  private static WalflowClientException refusal(int status, byte[] body) {
    String message = new String(body, StandardCharsets.UTF_8);
    OptionalLong watermark = OptionalLong.empty();
    try {
      JsonNode node = EventJson.MAPPER.readTree(body);
      if (node != null && node.has("error")) {
        message = node.get("error").asText();
      }
      if (node != null && node.has("watermark")) {
        watermark = OptionalLong.of(node.get("watermark").asLong());
      }
    } catch (IOException notJson) {
      // Keep the raw body as the message.
    }
    return new WalflowClientException(status, message, watermark);
  }

  private static String path(String view) {
    return "/v1/views/" + java.net.URLEncoder.encode(view, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static List<String> texts(List<Value> values) {
    List<String> out = new ArrayList<>();
    for (Value v : values) {
      if (v instanceof IntegerValue i) {
        out.add(Long.toString(i.value()));
      } else if (v instanceof RealValue r) {
        out.add(Double.toString(r.value()));
      } else if (v instanceof TextValue t) {
        out.add(t.value());
      } else {
        throw new IllegalArgumentException("only integers, reals and text can be sent as arguments, got " + v);
      }
    }
    return out;
  }

  @Override
  public void close() {
    pool.dispose();
  }
}
