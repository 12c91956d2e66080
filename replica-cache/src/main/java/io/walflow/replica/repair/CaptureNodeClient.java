package io.walflow.replica.repair;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * HTTP GETs to the capture node's log endpoint ({@link LogRangeServer}) for the repair clients
 * ({@link LogRangeClient}, {@link BucketClient}): its base URL, its bearer token, and how its
 * answers fail (410 is {@link RangeGoneException}, anything else but 200 a {@link
 * RepairException} with the endpoint's {@code error} text). Thread-safe.
 */
final class CaptureNodeClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final Optional<String> token;
  private final HttpClient http;

  /**
   * @param baseUrl the capture node's HTTP endpoint, e.g. {@code http://127.0.0.1:8470}
   * @param token its bearer token (empty for an endpoint started with {@code --open})
   */
  CaptureNodeClient(String baseUrl, Optional<String> token) {
    this.base = URI.create(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
    this.token = token;
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** The endpoint's base URL, without a trailing slash. */
  URI base() {
    return base;
  }

  /** {@code s} as one path segment of a URL. */
  static String segment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /**
   * The body of a 200 answer to {@code GET base + path}.
   *
   * @param refused the message of the {@link RepairException} for any other status but 410, from
   *     the status and the endpoint's error text
   * @throws RangeGoneException on 410, with the endpoint's error text
   * @throws RepairException when the node cannot be reached, the wait is interrupted, or it refuses
   */
  byte[] get(String path, Duration timeout, BiFunction<Integer, String, String> refused) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET().timeout(timeout);
    token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
    HttpResponse<byte[]> res;
    try {
      res = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new RepairException("capture node at " + base + " unreachable: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RepairException("interrupted while fetching " + base + path, e);
    }
    if (res.statusCode() == 410) {
      throw new RangeGoneException(message(res));
    }
    if (res.statusCode() != 200) {
      throw new RepairException(refused.apply(res.statusCode(), message(res)), null);
    }
    return res.body();
  }

  private static String message(HttpResponse<byte[]> res) {
    try {
      JsonNode n = JSON.readTree(res.body());
      return n.path("error").asText(new String(res.body(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new String(res.body(), StandardCharsets.UTF_8);
    }
  }
}
