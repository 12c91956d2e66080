package io.walflow.replica.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.walflow.ingest.change.ChangeFormatException;
import io.walflow.ingest.change.ChangeJson;
import io.walflow.ingest.change.Value;
import io.walflow.replica.BadReadException;
import io.walflow.replica.Freshness;
import io.walflow.replica.LsnTimeoutException;
import io.walflow.replica.PointRead;
import io.walflow.replica.RangeRead;
import io.walflow.replica.ReplicaStatus;
import io.walflow.replica.UnknownNameException;
import io.walflow.replica.http.ReplicaJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;

/**
 * The replica's read operations over its HTTP API, with the same results and exceptions as the
 * in-process {@code Replica}: {@link UnknownNameException} (404), {@link BadReadException} (400),
 * {@link LsnTimeoutException} (504); other failures are {@link ReplicaHttpException}. Thread-safe.
 */
public final class ReplicaClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Added to a read's own wait for the request as a whole. */
  private static final Duration REQUEST_SLACK = Duration.ofSeconds(10);

  private final URI base;
  private final Optional<String> token;
  private final HttpClient http;

  /**
   * @param baseUrl e.g. {@code http://127.0.0.1:8080}
   * @param token the bearer token (empty for a replica started with {@code --open})
   */
  public ReplicaClient(String baseUrl, Optional<String> token) {
    this.base = URI.create(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
    this.token = token;
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** {@code GET /v1/status}. */
  public ReplicaStatus status() {
    return ReplicaJson.status(call("/v1/status", Duration.ZERO));
  }

  /** A point read by rowid or primary-key values (see {@code Replica#get}). */
  public PointRead get(String db, String table, List<Value> key, Freshness freshness) {
    String k;
    if (key.size() == 1) {
      k = ChangeJson.toJson(key.get(0)).toString();
    } else {
      ArrayNode a = JSON.createArrayNode();
      key.forEach(v -> a.add(ChangeJson.toJson(v)));
      k = a.toString();
    }
    String path = "/v1/replica/" + seg(db) + "/" + seg(table) + "/" + seg(k) + query(freshness, null);
    try {
      return ReplicaJson.point(call(path, freshness.timeout()));
    } catch (ChangeFormatException e) {
      throw new ReplicaHttpException(200, "malformed row in the answer: " + e.getMessage());
    }
  }

  /** A page of a range scan (see {@code Replica#scan}). */
  public RangeRead scan(String db, String table, Optional<String> after, int limit, Freshness freshness) {
    StringBuilder extra = new StringBuilder("limit=").append(limit);
    after.ifPresent(a -> extra.append("&after=").append(URLEncoder.encode(a, StandardCharsets.UTF_8)));
    String path = "/v1/replica/" + seg(db) + "/" + seg(table) + query(freshness, extra.toString());
    try {
      return ReplicaJson.range(call(path, freshness.timeout()));
    } catch (ChangeFormatException e) {
      throw new ReplicaHttpException(200, "malformed row in the answer: " + e.getMessage());
    }
  }

  private static String seg(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String query(Freshness f, String extra) {
    StringBuilder q = new StringBuilder();
    if (extra != null) {
      q.append(extra);
    }
    if (f.minLsn() >= 0) {
      q.append(q.length() > 0 ? "&" : "").append("minLsn=").append(f.minLsn()).append("&timeoutMs=").append(f.timeout().toMillis());
    }
    return q.length() == 0 ? "" : "?" + q;
  }

  private JsonNode call(String path, Duration wait) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET().timeout(wait.plus(REQUEST_SLACK));
    token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
    HttpResponse<byte[]> res;
    try {
      res = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException("replica at " + base + " unreachable: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ReplicaHttpException(0, "interrupted while calling " + base + path);
    }
    JsonNode body;
    try {
      body = JSON.readTree(res.body());
    } catch (IOException e) {
      throw new ReplicaHttpException(res.statusCode(), "answer is not JSON: " + new String(res.body(), StandardCharsets.UTF_8));
    }
    String message = body.path("error").asText("");
    switch (res.statusCode()) {
      case 200:
        return body;
      case 400:
        throw new BadReadException(message);
      case 404:
        if (body.has("kind")) {
          HashSet<String> names = new HashSet<>();
          body.path("existing").forEach(n -> names.add(n.asText()));
          throw new UnknownNameException(body.get("kind").asText(), body.path("name").asText(), names);
        }
        throw new ReplicaHttpException(404, message);
      case 504:
        throw new LsnTimeoutException(body.path("db").asText(), body.path("minLsn").asLong(), body.path("lsn").asLong(), wait);
      default:
        throw new ReplicaHttpException(res.statusCode(), message);
    }
  }
}
