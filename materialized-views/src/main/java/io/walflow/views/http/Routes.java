package io.walflow.views.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.walflow.dataflow.BadParametersException;
import io.walflow.dataflow.LookupTimeoutException;
import io.walflow.dataflow.NoSuchViewException;
import io.walflow.dataflow.QueryException;
import io.walflow.dataflow.ViewInfo;
import io.walflow.dataflow.ViewResult;
import io.walflow.dataflow.plan.Affinity;
import io.walflow.ingest.change.Value;
import io.walflow.views.Arguments;
import io.walflow.views.EncodedEvent;
import io.walflow.views.FutureLsnException;
import io.walflow.views.SlowSubscriberException;
import io.walflow.views.ViewService;
import io.walflow.views.json.EventJson;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.WebsocketServerSpec;

/**
 * Routes requests of the HTTP API to the views service. Every request is authenticated and
 * counted against its client's rate before anything else. A lookup whose key is materialized is
 * answered on the Netty event loop by {@link io.walflow.dataflow.ViewEngine#tryLookup}, which never
 * blocks; every other call into the engine (which may wait or compute) runs on Reactor's
 * bounded-elastic scheduler, never on an event loop.
 */
final class Routes {
  private static final Logger LOG = LoggerFactory.getLogger(Routes.class);
  private static final Pattern VIEW_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,63}");
  private static final Set<String> LOOKUP_PARAMS = Set.of("arg", "minLsn", "timeoutMs", "access_token");
  private static final Set<String> SUBSCRIBE_PARAMS = Set.of("arg", "fromLsn", "access_token");
  private static final Set<String> NO_PARAMS = Set.of("access_token");

  private final ViewService views;
  private final HttpConfig config;
  private final StatusSource status;
  private final ClientLimits limits;
  private final Supplier<String> metrics;

  Routes(ViewService views, HttpConfig config, StatusSource status, Supplier<String> metrics) {
    this.metrics = metrics;
    this.views = views;
    this.config = config;
    this.status = status;
    this.limits = new ClientLimits(config.requestsPerSecond(), config.burst(), config.maxSubscribersPerClient());
  }

  /**
   * Reads the request's whole body (bounded, see {@link RequestBody}), then routes it. A body over
   * the limit gets 413; a body sent to an endpoint that takes none gets 400; both close the
   * connection ({@code Connection: close}).
   */
  Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
    return RequestBody.read(req, config.maxBodyBytes())
        .flatMap(body -> Mono.from(route(req, res, body)))
        .onErrorResume(e -> {
          if (e instanceof HttpError h && h.status() == 413) {
            res.keepAlive(false);
          }
          return Mono.from(sendError(res, e));
        });
  }

  private Publisher<Void> route(HttpServerRequest req, HttpServerResponse res, byte[] body) {
    String path;
    Map<String, List<String>> params;
    try {
      // The URI is parsed once per request, here (reactor-netty's req.path() parses it again with java.net.URI).
      QueryStringDecoder q = new QueryStringDecoder(req.uri());
      path = q.path();
      params = q.parameters();
    } catch (IllegalArgumentException e) {
      res.keepAlive(false);
      return send(res, 400, new HttpError(400, "malformed request URI: " + e.getMessage()).body());
    }
    boolean takesBody = req.method().equals(HttpMethod.POST) && path.equals("/v1/views");
    boolean unexpectedBody = body.length > 0 && !takesBody;
    if (unexpectedBody) {
      res.keepAlive(false);
    }
    if (config.access().isOpen()) {
      res.header("X-Walflow-Open", "true: no authentication (--open dev mode)");
    }
    if (req.method().equals(HttpMethod.GET) && isLivePage(path) && !unexpectedBody) {
      // The live page holds no data: it reads the API with the token the user gives it.
      return res.status(200).header("Content-Type", "text/html; charset=utf-8")
          .header("Content-Length", Integer.toString(LivePage.BYTES.length))
          .header("Cache-Control", "no-cache")
          .sendByteArray(Mono.just(LivePage.BYTES)).then();
    }
    try {
      Access.Grant grant = authenticate(req, params);
      String client = config.access().isOpen() ? remote(req) : grant.name();
      if (!limits.tryRequest(client)) {
        res.header("Retry-After", "1");
        throw new HttpError(429, "too many requests from this client (limit " + (long) config.requestsPerSecond()
            + "/s, burst " + config.burst() + ")");
      }
      HttpMethod m = req.method();
      if (path.equals("/metrics")) {
        allow(m, HttpMethod.GET);
        refuseBody(unexpectedBody, m, path, body);
        checkParams(params, NO_PARAMS);
        return metrics(res);
      }
      String[] seg = segments(path);
      if (seg.length == 2 && seg[1].equals("status")) {
        allow(m, HttpMethod.GET);
        refuseBody(unexpectedBody, m, path, body);
        checkParams(params, NO_PARAMS);
        return status(res, grant);
      }
      if (seg.length == 2 && seg[1].equals("views")) {
        allow(m, HttpMethod.GET, HttpMethod.POST);
        refuseBody(unexpectedBody, m, path, body);
        checkParams(params, NO_PARAMS);
        return m.equals(HttpMethod.GET) ? list(res, grant) : create(res, grant, body);
      }
      if (seg.length == 3 && seg[1].equals("views")) {
        String view = seg[2];
        allow(m, HttpMethod.GET, HttpMethod.DELETE);
        refuseBody(unexpectedBody, m, path, body);
        if (m.equals(HttpMethod.DELETE)) {
          checkParams(params, NO_PARAMS);
          return drop(res, grant, view);
        }
        checkParams(params, LOOKUP_PARAMS);
        return lookup(res, grant, view, params);
      }
      if (seg.length == 4 && seg[1].equals("views") && (seg[3].equals("subscribe") || seg[3].equals("ws"))) {
        allow(m, HttpMethod.GET);
        refuseBody(unexpectedBody, m, path, body);
        checkParams(params, SUBSCRIBE_PARAMS);
        return subscribe(req, res, grant, client, seg[2], params, seg[3].equals("ws"));
      }
      throw new HttpError(404, "no endpoint " + path + " (see docs/http-api.md: /v1/views, /v1/views/{name}, "
          + "/v1/views/{name}/subscribe, /v1/views/{name}/ws, /v1/status, /metrics)");
    } catch (HttpError e) {
      return send(res, e.status(), e.body());
    } catch (RuntimeException e) {
      HttpError h = toHttp(e);
      return send(res, h.status(), h.body());
    }
  }

  /**
   * Whether a decoded request path names the live page: {@code /} or {@code /index.html}, either with
   * one trailing slash more (the paths reactor-netty's {@code path()}, which trims one slash at each
   * end, gives as empty or {@code index.html}).
   */
  private static boolean isLivePage(String path) {
    int from = path.startsWith("/") ? 1 : 0;
    int to = path.length() > from && path.endsWith("/") ? path.length() - 1 : path.length();
    return to == from || to - from == 10 && path.regionMatches(from, "index.html", 0, 10);
  }

  // ---- authentication and request shape

  private Access.Grant authenticate(HttpServerRequest req, Map<String, List<String>> params) {
    Optional<String> token = Optional.empty();
    String auth = req.requestHeaders().get(HttpHeaderNames.AUTHORIZATION);
    if (auth != null) {
      if (!auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
        throw new HttpError(401, "the Authorization header must be 'Bearer TOKEN'");
      }
      token = Optional.of(auth.substring(7).strip());
    } else if (params.containsKey("access_token")) {
      // For browser EventSource/WebSocket clients, which cannot set headers.
      token = Optional.of(params.get("access_token").get(0));
    }
    boolean given = token.isPresent();
    return config.access().authenticate(token).orElseThrow(() -> new HttpError(401,
        given ? "unknown token" : "authentication required: send 'Authorization: Bearer TOKEN'"));
  }

  private static String remote(HttpServerRequest req) {
    return req.remoteAddress() == null ? "unknown" : req.remoteAddress().getAddress().getHostAddress();
  }

  private static String[] segments(String path) {
    if (!path.startsWith("/v1/")) {
      throw new HttpError(404, "no endpoint " + path + " (the API lives under /v1/)");
    }
    String[] raw = path.substring(1).split("/", -1);
    for (int i = 0; i < raw.length; i++) {
      raw[i] = QueryStringDecoder.decodeComponent(raw[i]);
    }
    return raw;
  }

  private static void allow(HttpMethod m, HttpMethod... allowed) {
    for (HttpMethod a : allowed) {
      if (a.equals(m)) {
        return;
      }
    }
    throw new HttpError(405, "method " + m + " not allowed here (allowed: " + List.of(allowed) + ")");
  }

  private static void refuseBody(boolean unexpected, HttpMethod m, String path, byte[] body) {
    if (unexpected) {
      throw new HttpError(400, m + " " + path + " takes no request body (got " + body.length
          + " bytes); the connection is closed");
    }
  }

  private static void checkParams(Map<String, List<String>> params, Set<String> allowed) {
    for (String p : params.keySet()) {
      if (!allowed.contains(p)) {
        throw new HttpError(400, "unknown query parameter '" + p + "' (allowed here: " + allowed + ")");
      }
    }
  }

  private static void requireRead(Access.Grant grant, String view) {
    if (!grant.canRead(view)) {
      throw new HttpError(403, "this token may not read view '" + view + "'");
    }
  }

  private static void requireAdmin(Access.Grant grant) {
    if (!grant.isAdmin()) {
      throw new HttpError(403, "this token may not create or drop views (it needs the admin right)");
    }
  }

  private static OptionalLong optionalLong(Map<String, List<String>> params, String name) {
    List<String> v = params.get(name);
    if (v == null) {
      return OptionalLong.empty();
    }
    if (v.size() != 1) {
      throw new HttpError(400, "query parameter '" + name + "' given " + v.size() + " times");
    }
    return OptionalLong.of(parseLong(v.get(0), name));
  }

  private static long parseLong(String s, String name) {
    try {
      long n = Long.parseLong(s.strip());
      if (n < 0) {
        throw new HttpError(400, name + " must be >= 0, got " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new HttpError(400, name + " must be a non-negative integer, got '" + s + "'");
    }
  }

  // ---- endpoints

  private Publisher<Void> status(HttpServerResponse res, Access.Grant grant) {
    return Mono.fromCallable(() -> {
      ObjectNode o = EventJson.MAPPER.createObjectNode();
      ArrayNode dbs = o.putArray("databases");
      for (StatusSource.DatabaseStatus d : status.databases()) {
        dbs.addObject().put("name", d.name()).put("state", d.state()).put("lsn", d.capturedLsn())
            .put("durableLsn", d.durableLsn()).put("appliedLsn", d.appliedLsn())
            .put("lagLsns", Math.max(0, d.durableLsn() - d.appliedLsn()))
            .put("lastCommitAgeMs", d.lastCommitAgeMillis());
      }
      o.put("logBytes", status.logBytes());
      Map<String, StatusSource.ReplicaStatus> replicas = status.replicas();
      if (!replicas.isEmpty()) {
        ObjectNode reps = o.putObject("replicas");
        replicas.forEach((region, r) -> reps.putObject(region).put("group", r.group()).put("state", r.state())
            .put("members", r.members()).put("partitions", r.partitions()).put("lagRecords", r.lagRecords()));
      }
      ArrayNode vs = o.putArray("views");
      for (ViewInfo v : views.engine().views()) {
        if (grant.canRead(v.name())) {
          vs.addObject().put("name", v.name()).put("db", v.db()).put("watermark", v.watermark());
        }
      }
      o.put("streams", views.streams());
      o.put("subscribers", views.subscribers());
      return o;
    }).subscribeOn(Schedulers.boundedElastic())
        .flatMap(o -> Mono.from(send(res, 200, o)))
        .onErrorResume(e -> Mono.from(sendError(res, e)));
  }

  private Publisher<Void> metrics(HttpServerResponse res) {
    if (metrics == null) {
      throw new HttpError(404, "this server has no metrics (GET /metrics is served by walflow run)");
    }
    return Mono.fromCallable(() -> metrics.get().getBytes(StandardCharsets.UTF_8))
        .subscribeOn(Schedulers.boundedElastic())
        .flatMap(b -> res.status(200).header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            .header("Content-Length", Integer.toString(b.length)).sendByteArray(Mono.just(b)).then())
        .onErrorResume(e -> Mono.from(sendError(res, e)));
  }

  private Publisher<Void> list(HttpServerResponse res, Access.Grant grant) {
    return Mono.fromCallable(() -> {
      ObjectNode o = EventJson.MAPPER.createObjectNode();
      ArrayNode arr = o.putArray("views");
      for (ViewInfo v : views.engine().views()) {
        if (grant.canRead(v.name())) {
          arr.add(viewJson(v));
        }
      }
      return o;
    }).subscribeOn(Schedulers.boundedElastic())
        .flatMap(o -> Mono.from(send(res, 200, o)))
        .onErrorResume(e -> Mono.from(sendError(res, e)));
  }

  private Publisher<Void> create(HttpServerResponse res, Access.Grant grant, byte[] body) {
    requireAdmin(grant);
    return Mono.fromCallable(() -> parseCreate(body))
        .publishOn(Schedulers.boundedElastic())
        .map(nameSql -> {
          if (views.engine().view(nameSql[0]).isPresent()) {
            throw new HttpError(409, "a view named '" + nameSql[0] + "' exists");
          }
          try {
            return views.engine().createView(nameSql[0], nameSql[1]);
          } catch (QueryException e) {
            throw new HttpError(400, e.getMessage()).with("line", e.line()).with("column", e.column());
          } catch (IllegalArgumentException e) {
            throw new HttpError(409, e.getMessage());
          }
        })
        .flatMap(info -> {
          LOG.info("view '{}' created over {}: {}", info.name(), info.db(), info.sql());
          res.header("Location", "/v1/views/" + info.name());
          return Mono.from(send(res, 201, viewJson(info)));
        })
        .onErrorResume(e -> Mono.from(sendError(res, e)));
  }

  private String[] parseCreate(byte[] body) {
    JsonNode node;
    try {
      node = EventJson.MAPPER.readTree(body);
    } catch (java.io.IOException e) {
      throw new HttpError(400, "the body is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
    }
    if (node == null || !node.isObject()) {
      throw new HttpError(400, "the body must be a JSON object {\"name\":\"…\",\"sql\":\"SELECT …\"}");
    }
    for (var it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!f.equals("name") && !f.equals("sql")) {
        throw new HttpError(400, "unknown field '" + f + "' (expected name and sql)");
      }
    }
    JsonNode name = node.get("name");
    JsonNode sql = node.get("sql");
    if (name == null || !name.isTextual() || !VIEW_NAME.matcher(name.textValue()).matches()) {
      throw new HttpError(400, "name must be a string of 1-64 characters [A-Za-z0-9_.-] starting with a letter or _");
    }
    if (sql == null || !sql.isTextual() || sql.textValue().isBlank()) {
      throw new HttpError(400, "sql must be a non-empty string");
    }
    if (sql.textValue().length() > config.maxSqlLength()) {
      throw new HttpError(400, "sql of " + sql.textValue().length() + " characters is over the limit of "
          + config.maxSqlLength());
    }
    return new String[] {name.textValue(), sql.textValue()};
  }

  private Publisher<Void> drop(HttpServerResponse res, Access.Grant grant, String view) {
    requireAdmin(grant);
    return Mono.fromRunnable(() -> views.dropView(view))
        .subscribeOn(Schedulers.boundedElastic())
        .then(Mono.defer(() -> {
          LOG.info("view '{}' dropped", view);
          return res.status(204).send();
        }))
        .onErrorResume(e -> Mono.from(sendError(res, e)));
  }

  private Publisher<Void> lookup(HttpServerResponse res, Access.Grant grant, String view,
      Map<String, List<String>> params) {
    requireRead(grant, view);
    List<String> args = params.getOrDefault("arg", List.of());
    OptionalLong minLsn = optionalLong(params, "minLsn");
    OptionalLong timeoutMs = optionalLong(params, "timeoutMs");
    long maxMs = config.maxLookupTimeout().toMillis();
    if (timeoutMs.isPresent() && timeoutMs.getAsLong() > maxMs) {
      throw new HttpError(400, "timeoutMs must be at most " + maxMs + ", got " + timeoutMs.getAsLong());
    }
    Duration timeout = Duration.ofMillis(timeoutMs.orElse(minLsn.isPresent() ? 5000 : 0));
    // A resident key at a reached minLsn is answered here, on the event loop, without waiting;
    // a miss (upquery), a minLsn wait or a transaction being applied goes to bounded-elastic.
    Optional<ViewResult> now = views.engine().tryLookup(view, info -> Arguments.parse(info, args), minLsn.orElse(0));
    if (now.isPresent()) {
      return sendResult(res, now.get());
    }
    return Mono.fromCallable(() -> {
      ViewInfo info = views.info(view);
      List<Value> values = Arguments.parse(info, args);
      return views.engine().lookup(view, values, minLsn.orElse(0), timeout);
    }).subscribeOn(Schedulers.boundedElastic())
        .flatMap(r -> Mono.from(sendResult(res, r)))
        .onErrorResume(e -> Mono.from(sendError(res, e)));
  }

  /** Encodes the result once, straight into a buffer of the connection's allocator, and sends it. */
  private static Publisher<Void> sendResult(HttpServerResponse res, ViewResult r) {
    ByteBuf buf = res.alloc().buffer(64 + r.rows().size() * 24);
    try {
      EventJson.result(buf, r.lsn(), r.columns(), r.rows(), false);
    } catch (RuntimeException e) {
      buf.release();
      throw e;
    }
    return res.status(200)
        .header("Content-Type", "application/json")
        .header("Content-Length", Integer.toString(buf.readableBytes()))
        .send(Mono.just(buf))
        .then();
  }

  private Publisher<Void> subscribe(HttpServerRequest req, HttpServerResponse res, Access.Grant grant, String client,
      String view, Map<String, List<String>> params, boolean websocket) {
    requireRead(grant, view);
    String upgrade = req.requestHeaders().get("Upgrade");
    if (websocket && (upgrade == null || !upgrade.equalsIgnoreCase("websocket"))) {
      throw new HttpError(400, "this endpoint needs a WebSocket upgrade request; use /subscribe for Server-Sent Events");
    }
    List<String> args = params.getOrDefault("arg", List.of());
    OptionalLong fromLsn = optionalLong(params, "fromLsn");
    String lastEventId = req.requestHeaders().get("Last-Event-ID");
    if (lastEventId != null && !lastEventId.isBlank()) {
      fromLsn = OptionalLong.of(parseLong(lastEventId, "Last-Event-ID"));
    }
    OptionalLong from = fromLsn;
    return Mono.fromCallable(() -> {
      ViewInfo info = views.info(view);
      List<Value> values = Arguments.parse(info, args);
      return views.prepare(view, values, from);
    }).subscribeOn(Schedulers.boundedElastic())
        .flatMap(values -> {
          if (!limits.trySubscribe(client)) {
            return Mono.error(new HttpError(429, "this client has " + limits.maxSubscribers()
                + " open subscriptions, the limit"));
          }
          // Delivered on the connection's event loop: each event is written without a further thread hop.
          Executor[] loop = new Executor[1];
          res.withConnection(c -> loop[0] = c.channel().eventLoop());
          Flux<EncodedEvent> events = views.subscribeEncoded(view, values, from, Optional.ofNullable(loop[0]))
              .doFinally(s -> limits.unsubscribe(client));
          return websocket ? webSocket(res, view, events) : sse(res, view, events);
        })
        .onErrorResume(e -> Mono.from(sendError(res, e)));
  }

  private Mono<Void> sse(HttpServerResponse res, String view, Flux<EncodedEvent> events) {
    Flux<ByteBuf> frames = events.map(e -> Unpooled.wrappedBuffer(e.sse()))
        .concatWith(Mono.fromCallable(() -> Unpooled.wrappedBuffer(endFrame(view, false))))
        .onErrorResume(e -> Mono.just(Unpooled.wrappedBuffer(sseFrame("error", toHttp(e).body()))));
    return res.status(200)
        .header("Content-Type", "text/event-stream; charset=utf-8")
        .header("Cache-Control", "no-cache")
        .header("X-Accel-Buffering", "no")
        .send(frames, b -> true)
        .then();
  }

  private Mono<Void> webSocket(HttpServerResponse res, String view, Flux<EncodedEvent> events) {
    return res.sendWebsocket((in, out) -> {
      Flux<WebSocketFrame> frames = events.<WebSocketFrame>map(e -> new TextWebSocketFrame(Unpooled.wrappedBuffer(e.ws())))
          .concatWith(Mono.fromCallable(() -> new TextWebSocketFrame(Unpooled.wrappedBuffer(endFrame(view, true)))))
          .onErrorResume(e -> Mono.just(new TextWebSocketFrame(Unpooled.wrappedBuffer(
              wsMessage("error", toHttp(e).body())))))
          .takeUntilOther(in.receiveCloseStatus());
      return out.sendObject(frames).then();
    }, WebsocketServerSpec.builder().maxFramePayloadLength(config.maxBodyBytes()).build());
  }

  /** Sent when a subscription ends because its view was dropped (or the server is closing). */
  private byte[] endFrame(String view, boolean websocket) {
    boolean dropped = views.engine().view(view).isEmpty();
    ObjectNode o = EventJson.MAPPER.createObjectNode()
        .put("reason", dropped ? "view '" + view + "' was dropped" : "the server is closing");
    return websocket ? wsMessage("end", o) : sseFrame("end", o);
  }

  private static byte[] sseFrame(String event, ObjectNode data) {
    return ("event: " + event + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] wsMessage(String event, ObjectNode data) {
    ObjectNode o = EventJson.MAPPER.createObjectNode().put("event", event);
    o.setAll(data);
    return o.toString().getBytes(StandardCharsets.UTF_8);
  }

  // ---- responses

  private static ObjectNode viewJson(ViewInfo v) {
    ObjectNode o = EventJson.MAPPER.createObjectNode();
    o.put("name", v.name()).put("sql", v.sql()).put("db", v.db());
    ArrayNode cols = o.putArray("columns");
    v.columns().forEach(cols::add);
    ArrayNode ps = o.putArray("parameters");
    for (Affinity a : v.params()) {
      ps.add(a.name());
    }
    o.put("ordered", v.ordered()).put("watermark", v.watermark());
    return o;
  }

  private static Publisher<Void> send(HttpServerResponse res, int status, ObjectNode body) {
    try {
      return sendJson(res, status, EventJson.MAPPER.writeValueAsBytes(body));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Publisher<Void> sendJson(HttpServerResponse res, int status, byte[] json) {
    return res.status(status)
        .header("Content-Type", "application/json")
        .header("Content-Length", Integer.toString(json.length))
        .sendByteArray(Mono.just(json))
        .then();
  }

  private static Publisher<Void> sendError(HttpServerResponse res, Throwable e) {
    if (res.hasSentHeaders()) {
      return Mono.empty();
    }
    HttpError h = toHttp(e);
    return send(res, h.status(), h.body());
  }

  static HttpError toHttp(Throwable e) {
    if (e instanceof HttpError h) {
      return h;
    }
    if (e instanceof NoSuchViewException) {
      return new HttpError(404, e.getMessage());
    }
    if (e instanceof BadParametersException) {
      return new HttpError(400, e.getMessage());
    }
    if (e instanceof FutureLsnException f) {
      return new HttpError(400, e.getMessage()).with("watermark", f.watermark());
    }
    if (e instanceof LookupTimeoutException t) {
      return new HttpError(504, e.getMessage()).with("watermark", t.watermark());
    }
    if (e instanceof io.walflow.dataflow.ViewFailedException) {
      return new HttpError(409, e.getMessage() + " (drop the view and create it again)");
    }
    if (e instanceof io.walflow.dataflow.StateBudgetException) {
      return new HttpError(503, e.getMessage());
    }
    if (e instanceof SlowSubscriberException) {
      return new HttpError(503, e.getMessage());
    }
    LOG.warn("request failed", e);
    return new HttpError(500, e.getClass().getSimpleName() + ": " + e.getMessage());
  }
}
