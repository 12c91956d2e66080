package io.walflow.replica.repair;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.LogReader;
import io.walflow.ingest.LogRecord;
import io.walflow.ingest.log.EntryCodec;
import io.walflow.replica.http.BodilessRequests;
import io.walflow.replica.http.HttpSettings;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
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
 * The capture node's log, served by LSN range for replicas that repair a gap (see {@code
 * docs/log-format.md}, section "Serving entries by LSN range"):
 *
 * <ul>
 *   <li>{@code GET /v1/log/{db}?fromLsn=N&toLsn=M}: every entry of {@code db} with an LSN in
 *       {@code N..M}, in log order; 410 when the log no longer holds all of them;
 *   <li>{@code GET /v1/log/{db}?snapshot=newest[&toLsn=M]}: the newest snapshot (at or before
 *       {@code M} when given; all its parts) and every entry after it (up to {@code M}); 410
 *       without one.
 * </ul>
 *
 * <p>The body is {@code application/x-walflow-entries}: per entry a 4-byte big-endian length and
 * the entry's bytes as {@link EntryCodec} writes them (commits reassembled into one entry), then a
 * 4-byte zero. A bearer token is required unless the server was started open. An answer is at most
 * {@value #MAX_BODY_BYTES} bytes (413 beyond: ask for a shorter range).
 */
public final class LogRangeServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LogRangeServer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The largest answer. */
  public static final int MAX_BODY_BYTES = 256 << 20;
  /** The content type of an entry stream. */
  public static final String CONTENT_TYPE = "application/x-walflow-entries";

  private final Path dataDir;
  private final HttpSettings settings;
  private final List<byte[]> tokens = new ArrayList<>();
  private final DisposableServer server;

  private LogRangeServer(Path dataDir, HttpSettings settings) {
    this.dataDir = dataDir;
    this.settings = settings;
    settings.tokens().forEach(t -> tokens.add(t.getBytes(StandardCharsets.US_ASCII)));
    if (settings.open()) {
      LOG.warn("**********************************************************************");
      LOG.warn("* capture log HTTP endpoint on {}:{} is OPEN: no bearer token required.", settings.host(), settings.port());
      LOG.warn("* Anyone who can reach it reads the whole log. Development only.");
      LOG.warn("**********************************************************************");
    }
    this.server = HttpServer.create()
        .host(settings.host())
        .port(settings.port())
        .httpRequestDecoder(spec -> spec.maxInitialLineLength(settings.maxUriLength()).maxHeaderSize(16 * 1024))
        .handle(BodilessRequests.wrap(this::handle))
        .bindNow();
  }

  /** Serves the log in {@code dataDir} (capture's data directory). */
  public static LogRangeServer start(Path dataDir, HttpSettings settings) {
    return new LogRangeServer(dataDir, settings);
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
      return json(res, HttpResponseStatus.METHOD_NOT_ALLOWED, error("only GET is supported, not " + req.method()));
    }
    if (!settings.open() && !authorized(req.requestHeaders().get(HttpHeaderNames.AUTHORIZATION))) {
      res.header(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
      return json(res, HttpResponseStatus.UNAUTHORIZED, error("a valid bearer token is required (Authorization: Bearer <token>)"));
    }
    QueryStringDecoder q = new QueryStringDecoder(req.uri());
    String[] parts = q.rawPath().split("/", -1);
    if (parts.length == 6 && parts[1].equals("v1") && parts[2].equals("log") && parts[4].equals("buckets")
        && !parts[3].isEmpty() && !parts[5].isEmpty()) {
      return buckets(res, QueryStringDecoder.decodeComponent(parts[3]), QueryStringDecoder.decodeComponent(parts[5]),
          q.parameters());
    }
    if (parts.length != 4 || !parts[1].equals("v1") || !parts[2].equals("log") || parts[3].isEmpty()) {
      return json(res, HttpResponseStatus.NOT_FOUND, error("no such endpoint: " + q.rawPath() + " (GET /v1/log/{db}?fromLsn=N&toLsn=M)"));
    }
    String db = QueryStringDecoder.decodeComponent(parts[3]);
    Map<String, List<String>> p = q.parameters();
    Request r;
    try {
      r = Request.parse(p);
    } catch (IllegalArgumentException e) {
      return json(res, HttpResponseStatus.BAD_REQUEST, error(e.getMessage()));
    }
    return Mono.fromCallable(() -> read(db, r))
        .subscribeOn(Schedulers.boundedElastic())
        .flatMap(a -> Mono.from(a.body != null
            ? res.status(HttpResponseStatus.OK)
                .header(HttpHeaderNames.CONTENT_TYPE, CONTENT_TYPE)
                .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(a.body.length))
                .sendByteArray(Mono.just(a.body))
            : json(res, a.status, a.error)))
        .onErrorResume(e -> {
          LOG.error("log range request failed", e);
          return Mono.from(json(res, HttpResponseStatus.INTERNAL_SERVER_ERROR, error("internal error: " + e)));
        });
  }

  /**
   * {@code GET /v1/log/{db}/buckets/{table}?lsn=L&of=B&ids=…}: the rows of the asked digest
   * buckets of {@code table} as of LSN {@code L} ({@link BucketRows}).
   */
  private Publisher<Void> buckets(HttpServerResponse res, String db, String table, Map<String, List<String>> p) {
    long lsn;
    int of;
    int[] ids;
    try {
      for (Map.Entry<String, List<String>> e : p.entrySet()) {
        if (!List.of("lsn", "of", "ids").contains(e.getKey())) {
          throw new IllegalArgumentException("unknown parameter '" + e.getKey() + "'; allowed: [ids, lsn, of]");
        }
        if (e.getValue().size() != 1) {
          throw new IllegalArgumentException("parameter '" + e.getKey() + "' given " + e.getValue().size() + " times");
        }
      }
      lsn = Request.number(p, "lsn");
      long b = Request.number(p, "of");
      if (b < 1 || b > io.walflow.ingest.DigestSettings.MAX_BUCKETS) {
        throw new IllegalArgumentException("parameter 'of' must be in 1.." + io.walflow.ingest.DigestSettings.MAX_BUCKETS + ", not " + b);
      }
      of = (int) b;
      if (!p.containsKey("ids")) {
        throw new IllegalArgumentException("parameter 'ids' is required");
      }
      ids = BucketRows.decodeIds(p.get("ids").get(0), of);
      if (ids.length == 0) {
        throw new IllegalArgumentException("parameter 'ids' names no bucket");
      }
    } catch (IllegalArgumentException e) {
      return json(res, HttpResponseStatus.BAD_REQUEST, error(e.getMessage()));
    }
    return Mono.fromCallable(() -> BucketRowsReader.read(dataDir, dataDir.resolve("repair-tmp"), db, table, lsn, of, ids))
        .subscribeOn(Schedulers.boundedElastic())
        .flatMap(r -> {
          if (r.missing().isPresent()) {
            HttpResponseStatus status = switch (r.missing().get()) {
              case NO_SNAPSHOT -> HttpResponseStatus.GONE;
              case NOT_YET -> HttpResponseStatus.CONFLICT;
              case NO_TABLE -> HttpResponseStatus.NOT_FOUND;
            };
            return Mono.from(json(res, status, error(r.detail())));
          }
          byte[] body = r.rows().orElseThrow().encode();
          if (body.length > MAX_BODY_BYTES) {
            return Mono.from(json(res, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                error("the answer would exceed " + MAX_BODY_BYTES + " bytes: ask for fewer buckets")));
          }
          return Mono.from(res.status(HttpResponseStatus.OK)
              .header(HttpHeaderNames.CONTENT_TYPE, BucketRows.CONTENT_TYPE)
              .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(body.length))
              .sendByteArray(Mono.just(body)));
        })
        .onErrorResume(e -> {
          LOG.error("bucket rows request failed", e);
          return Mono.from(json(res, HttpResponseStatus.INTERNAL_SERVER_ERROR, error("internal error: " + e)));
        });
  }

  /** A parsed request: a range, or the newest snapshot up to {@code to}. */
  private record Request(boolean snapshot, long from, long to) {
    static Request parse(Map<String, List<String>> p) {
      for (Map.Entry<String, List<String>> e : p.entrySet()) {
        if (!List.of("fromLsn", "toLsn", "snapshot").contains(e.getKey())) {
          throw new IllegalArgumentException("unknown parameter '" + e.getKey() + "'; allowed: [fromLsn, snapshot, toLsn]");
        }
        if (e.getValue().size() != 1) {
          throw new IllegalArgumentException("parameter '" + e.getKey() + "' given " + e.getValue().size() + " times");
        }
      }
      if (p.containsKey("snapshot")) {
        long to = p.containsKey("toLsn") ? number(p, "toLsn") : Long.MAX_VALUE;
        if (!p.get("snapshot").get(0).equals("newest")) {
          throw new IllegalArgumentException("parameter 'snapshot' must be 'newest', not '" + p.get("snapshot").get(0) + "'");
        }
        if (p.containsKey("fromLsn")) {
          throw new IllegalArgumentException("give either 'fromLsn' or 'snapshot', not both");
        }
        return new Request(true, -1, to);
      }
      long from = number(p, "fromLsn");
      long to = number(p, "toLsn");
      if (from > to) {
        throw new IllegalArgumentException("fromLsn " + from + " is after toLsn " + to);
      }
      return new Request(false, from, to);
    }

    private static long number(Map<String, List<String>> p, String name) {
      List<String> v = p.get(name);
      if (v == null) {
        throw new IllegalArgumentException("parameter '" + name + "' is required");
      }
      try {
        long n = Long.parseLong(v.get(0));
        if (n < 0) {
          throw new IllegalArgumentException("parameter '" + name + "' must be 0 or more, not " + n);
        }
        return n;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("parameter '" + name + "' must be an integer, not '" + v.get(0) + "'");
      }
    }
  }

  /** An answer: the body, or a status with its JSON error. */
  private record Answer(byte[] body, HttpResponseStatus status, ObjectNode error) {}

  private Answer read(String db, Request r) throws IOException {
    List<LogEntry> entries = new ArrayList<>();
    long oldest = -1;
    try (LogReader reader = LogReader.open(dataDir).toStart()) {
      Optional<LogRecord> rec;
      while ((rec = reader.next(Optional.of(db), 0)).isPresent()) {
        LogEntry e = rec.get().entry();
        if (oldest < 0) {
          oldest = e.lsn();
        }
        if (e.lsn() > r.to()) {
          break;
        }
        if (r.snapshot()) {
          if (e instanceof LogEntry.Snapshot s && s.partIndex() == 0) {
            entries.clear(); // a newer snapshot: start over from it
          }
          if (!entries.isEmpty() || e instanceof LogEntry.Snapshot) {
            entries.add(e);
          }
        } else if (e.lsn() >= r.from()) {
          entries.add(e);
        }
      }
    }
    if (r.snapshot()) {
      if (entries.isEmpty()) {
        ObjectNode err = error("the log holds no snapshot of '" + db + "'" + (r.to() == Long.MAX_VALUE ? "" : " at or before LSN " + r.to()));
        return new Answer(null, HttpResponseStatus.GONE, err);
      }
    } else {
      TreeSet<Long> held = new TreeSet<>();
      entries.forEach(e -> held.add(e.lsn()));
      for (long l = r.from(); l <= r.to(); l++) {
        if (!held.contains(l)) {
          ObjectNode err = error("the log no longer holds LSN " + l + " of '" + db + "' (oldest held: "
              + (oldest < 0 ? "none" : Long.toString(oldest)) + "); bootstrap from the newest snapshot");
          err.put("missingLsn", l);
          err.put("oldestLsn", oldest);
          return new Answer(null, HttpResponseStatus.GONE, err);
        }
      }
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    EntryCodec codec = new EntryCodec(false);
    for (LogEntry e : entries) {
      byte[] b = codec.encode(e);
      if (bytes.size() + 8L + b.length > MAX_BODY_BYTES) {
        ObjectNode err = error("the answer would exceed " + MAX_BODY_BYTES + " bytes: ask for a shorter range");
        return new Answer(null, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, err);
      }
      out.writeInt(b.length);
      out.write(b);
    }
    out.writeInt(0);
    out.flush();
    return new Answer(bytes.toByteArray(), HttpResponseStatus.OK, null);
  }

  private boolean authorized(String header) {
    if (header == null || !header.startsWith("Bearer ")) {
      return false;
    }
    byte[] given = header.substring(7).trim().getBytes(StandardCharsets.US_ASCII);
    boolean ok = false;
    for (byte[] t : tokens) {
      ok |= MessageDigest.isEqual(t, given);
    }
    return ok;
  }

  private static ObjectNode error(String message) {
    ObjectNode o = JSON.createObjectNode();
    o.put("error", message);
    return o;
  }

  private static Publisher<Void> json(HttpServerResponse res, HttpResponseStatus status, ObjectNode body) {
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
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
