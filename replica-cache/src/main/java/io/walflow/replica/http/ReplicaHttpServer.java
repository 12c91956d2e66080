package io.walflow.replica.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.walflow.replica.BadReadException;
import io.walflow.replica.Freshness;
import io.walflow.replica.LsnTimeoutException;
import io.walflow.replica.Replica;
import io.walflow.replica.UnknownNameException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The replica's HTTP API (reactor-netty):
 *
 * <ul>
 *   <li>{@code GET /v1/status}
 *   <li>{@code GET /v1/replica/{db}/{table}?limit=N&after=CURSOR&minLsn=L&timeoutMs=T}
 *   <li>{@code GET /v1/replica/{db}/{table}/{key}?minLsn=L&timeoutMs=T}
 * </ul>
 *
 * <p>Every request needs {@code Authorization: Bearer <token>} unless the server was started open.
 * Answers: 200 with the body; 400 naming a malformed parameter, key or cursor; 401 without a valid
 * token; 404 for an unknown path, database or table (listing those that exist); 405 for a method
 * other than GET; 414 for a request line over the limit; 504 when {@code minLsn} was not applied
 * within {@code timeoutMs} (with the replica's LSN). Waits for {@code minLsn} do not hold a thread;
 * reads run on Reactor's bounded-elastic scheduler.
 */
public final class ReplicaHttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaHttpServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Rows per page when {@code limit} is not given. */
  static final int DEFAULT_LIMIT = 100;
  /** The wait for {@code minLsn} when {@code timeoutMs} is not given. */
  static final long DEFAULT_TIMEOUT_MS = 5_000;
  /** The longest wait a request may ask for. */
  static final long MAX_TIMEOUT_MS = 60_000;
  private static final Set<String> RANGE_PARAMS = Set.of("limit", "after", "minLsn", "timeoutMs");
  private static final Set<String> POINT_PARAMS = Set.of("minLsn", "timeoutMs");

  private final Replica replica;
  private final HttpSettings settings;
  private final List<byte[]> tokens = new ArrayList<>();
  private final DisposableServer server;
  private final ReplicaMetrics metrics;

  private ReplicaHttpServer(Replica replica, HttpSettings settings) {
    this.replica = replica;
    this.metrics = new ReplicaMetrics(replica);
    this.settings = settings;
    settings.tokens().forEach(t -> tokens.add(t.getBytes(StandardCharsets.US_ASCII)));
    if (settings.open()) {
      LOG.warn("**********************************************************************");
      LOG.warn("* replica HTTP API on {}:{} is OPEN: no bearer token required.", settings.host(), settings.port());
      LOG.warn("* Anyone who can reach it reads every replicated row. Development only.");
      LOG.warn("**********************************************************************");
    }
    this.server = HttpServer.create()
        .host(settings.host())
        .port(settings.port())
        .httpRequestDecoder(spec -> spec.maxInitialLineLength(settings.maxUriLength()).maxHeaderSize(16 * 1024))
        .handle(BodilessRequests.wrap(this::handle))
        .bindNow();
  }

  /** Starts serving {@code replica}. */
  public static ReplicaHttpServer start(Replica replica, HttpSettings settings) {
    return new ReplicaHttpServer(replica, settings);
  }

  /** The bound port. */
  public int port() {
    return server.port();
  }

  /** {@code http://host:port}. */
  public String baseUrl() {
    return "http://" + settings.host() + ":" + port();
  }

  private Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
    if (!req.method().equals(HttpMethod.GET)) {
      return send(res, HttpResponseStatus.METHOD_NOT_ALLOWED, error("only GET is supported, not " + req.method()));
    }
    if (!settings.open() && !authorized(req.requestHeaders().get(HttpHeaderNames.AUTHORIZATION))) {
      res.header(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
      return send(res, HttpResponseStatus.UNAUTHORIZED, error("a valid bearer token is required (Authorization: Bearer <token>)"));
    }
    QueryStringDecoder q = new QueryStringDecoder(req.uri());
    String[] parts = q.rawPath().split("/", -1);
    List<String> path = new ArrayList<>();
    for (int i = 1; i < parts.length; i++) {
      path.add(QueryStringDecoder.decodeComponent(parts[i]));
    }
    if (path.equals(List.of("metrics"))) {
      try {
        params(q, Set.of());
      } catch (RuntimeException e) {
        return failure(res, e);
      }
      return Mono.fromSupplier(() -> metrics.scrape().getBytes(StandardCharsets.UTF_8))
          .subscribeOn(Schedulers.boundedElastic())
          .flatMap(b -> res.status(HttpResponseStatus.OK)
              .header(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
              .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(b.length))
              .sendByteArray(Mono.just(b)).then())
          .onErrorResume(e -> Mono.from(failure(res, e)));
    }
    Mono<ObjectNode> body;
    try {
      if (path.equals(List.of("v1", "status"))) {
        params(q, Set.of());
        body = blocking(() -> ReplicaJson.status(replica.status()));
      } else if (path.size() == 4 && path.get(0).equals("v1") && path.get(1).equals("replica")) {
        body = range(path.get(2), path.get(3), params(q, RANGE_PARAMS));
      } else if (path.size() == 5 && path.get(0).equals("v1") && path.get(1).equals("replica")) {
        body = point(path.get(2), path.get(3), path.get(4), params(q, POINT_PARAMS));
      } else {
        return send(res, HttpResponseStatus.NOT_FOUND, error("no such endpoint: " + q.rawPath()
            + " (GET /v1/status, /v1/replica/{db}/{table}, /v1/replica/{db}/{table}/{key}, /metrics)"));
      }
    } catch (RuntimeException e) {
      body = Mono.error(e);
    }
    return body
        .flatMap(b -> Mono.from(send(res, HttpResponseStatus.OK, b)))
        .onErrorResume(e -> Mono.from(failure(res, e)));
  }

  private Mono<ObjectNode> range(String db, String table, Map<String, String> p) {
    int limit = (int) number(p, "limit", DEFAULT_LIMIT, 1, Replica.MAX_LIMIT);
    Optional<String> after = Optional.ofNullable(p.get("after"));
    return fresh(db, p).then(blocking(() -> ReplicaJson.range(replica.scan(db, table, after, limit, Freshness.ANY))));
  }

  private Mono<ObjectNode> point(String db, String table, String key, Map<String, String> p) {
    Mono<Void> ready = fresh(db, p);
    return ready.then(blocking(() -> ReplicaJson.point(
        replica.get(db, table, KeyParser.parse(key, replica.keyTypes(db, table)), Freshness.ANY))));
  }

  /** Waits, without a thread, until {@code minLsn} is applied; 504 after {@code timeoutMs}. */
  private Mono<Void> fresh(String db, Map<String, String> p) {
    long minLsn = number(p, "minLsn", -1, 0, Long.MAX_VALUE);
    long timeoutMs = number(p, "timeoutMs", DEFAULT_TIMEOUT_MS, 0, MAX_TIMEOUT_MS);
    replica.requireDatabase(db);
    if (minLsn <= replica.lsn(db)) {
      return Mono.empty();
    }
    Duration timeout = Duration.ofMillis(timeoutMs);
    return Mono.fromFuture(() -> replica.awaitLsn(db, minLsn))
        .timeout(timeout, Mono.error(() -> new LsnTimeoutException(db, minLsn, replica.lsn(db), timeout)))
        .then();
  }

  private static Mono<ObjectNode> blocking(Supplier<ObjectNode> read) {
    return Mono.fromSupplier(read).subscribeOn(Schedulers.boundedElastic());
  }

  private static Map<String, String> params(QueryStringDecoder q, Set<String> allowed) {
    Map<String, String> out = new java.util.HashMap<>();
    for (Map.Entry<String, List<String>> e : q.parameters().entrySet()) {
      if (!allowed.contains(e.getKey())) {
        throw new BadReadException("unknown parameter '" + e.getKey() + "'" + (allowed.isEmpty() ? "" : "; allowed: " + new java.util.TreeSet<>(allowed)));
      }
      if (e.getValue().size() != 1) {
        throw new BadReadException("parameter '" + e.getKey() + "' given " + e.getValue().size() + " times");
      }
      out.put(e.getKey(), e.getValue().get(0));
    }
    return out;
  }

  private static long number(Map<String, String> p, String name, long def, long min, long max) {
    String v = p.get(name);
    if (v == null) {
      return def;
    }
    long n;
    try {
      n = Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new BadReadException("parameter '" + name + "' must be an integer, not '" + v + "'");
    }
    if (n < min || n > max) {
      throw new BadReadException("parameter '" + name + "' must be " + min + ".." + max + ", not " + n);
    }
    return n;
  }

  private boolean authorized(String header) {
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    byte[] given = header.substring(7).trim().getBytes(StandardCharsets.US_ASCII);
    boolean ok = false;
    for (byte[] t : tokens) {
      ok |= MessageDigest.isEqual(t, given); // constant time per token, and every token compared
    }
    return ok;
  }

  private Publisher<Void> failure(HttpServerResponse res, Throwable e) {
    if (e instanceof BadReadException) {
      return send(res, HttpResponseStatus.BAD_REQUEST, error(e.getMessage()));
    } else if (e instanceof UnknownNameException u) {
      ObjectNode b = error(u.getMessage());
      b.put("kind", u.kind());
      b.put("name", u.name());
      var names = b.putArray("existing");
      u.existing().forEach(names::add);
      return send(res, HttpResponseStatus.NOT_FOUND, b);
    } else if (e instanceof LsnTimeoutException t) {
      ObjectNode b = error(t.getMessage());
      b.put("db", t.db());
      b.put("minLsn", t.wanted());
      b.put("lsn", t.current());
      return send(res, HttpResponseStatus.GATEWAY_TIMEOUT, b);
    }
    LOG.error("replica HTTP request failed", e);
    return send(res, HttpResponseStatus.INTERNAL_SERVER_ERROR, error("internal error: " + e));
  }

  private static ObjectNode error(String message) {
    ObjectNode o = JSON.createObjectNode();
    o.put("error", message);
    return o;
  }

  private static Publisher<Void> send(HttpServerResponse res, HttpResponseStatus status, ObjectNode body) {
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return res.status(status)
        .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
        .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(bytes.length))
        .sendByteArray(Mono.just(bytes));
  }

  /** Stops listening. */
  @Override
  public void close() {
    server.disposeNow(Duration.ofSeconds(5));
  }
}
