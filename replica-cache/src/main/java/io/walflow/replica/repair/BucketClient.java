package io.walflow.replica.repair;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walflow.ingest.change.Value;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Fetches the rows of digest buckets from the capture node ({@code GET
 * /v1/log/{db}/buckets/{table}}, {@link BucketRows}) for divergence repair, a bounded number of
 * buckets per request, and checks each answer (CRC, that it is the asked database, table, LSN and
 * buckets, that each row lies in an asked bucket) before returning anything. Thread-safe.
 */
public final class BucketClient implements BucketSource {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  /** Buckets per request: keeps the request line (ids as varint deltas in base64) well under 8 KiB. */
  static final int IDS_PER_REQUEST = 1500;

  private final URI base;
  private final Optional<String> token;
  private final HttpClient http;

  /**
   * @param baseUrl the capture node's HTTP endpoint, as for {@link LogRangeClient}
   * @param token its bearer token (empty for an endpoint started with {@code --open})
   */
  public BucketClient(String baseUrl, Optional<String> token) {
    this.base = URI.create(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
    this.token = token;
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  }

  /**
   * The rows of buckets {@code ids} (ascending) of {@code table} as of {@code lsn}, {@code buckets}
   * being the digest's bucket count.
   *
   * @throws RangeGoneException when the capture node's log holds no snapshot at or before {@code lsn}
   * @throws RepairException when it cannot be reached, refuses, or answers anything but those rows
   */
  @Override
  public Fetched fetch(String db, String table, long lsn, int buckets, int[] ids) {
    List<String> columns = null;
    List<List<Value>> keys = new ArrayList<>();
    List<List<Value>> rows = new ArrayList<>();
    long bytes = 0;
    for (int from = 0; from < ids.length; from += IDS_PER_REQUEST) {
      int[] chunk = Arrays.copyOfRange(ids, from, Math.min(ids.length, from + IDS_PER_REQUEST));
      String path = "/v1/log/" + enc(db) + "/buckets/" + enc(table) + "?lsn=" + lsn + "&of=" + buckets + "&ids="
          + BucketRows.encodeIds(chunk);
      byte[] body = get(path);
      bytes += body.length;
      BucketRows r = BucketRows.decode(body, base + "/v1/log/" + enc(db) + "/buckets/" + enc(table));
      if (!r.db().equals(db) || !r.table().equals(table) || r.lsn() != lsn || r.buckets() != buckets
          || !Arrays.equals(r.ids(), chunk)) {
        throw new RepairException("bucket rows from " + base + ": answered database '" + r.db() + "' table '" + r.table()
            + "' LSN " + r.lsn() + " of " + r.buckets() + " buckets (" + r.ids().length + " ids) for '" + db + "' '"
            + table + "' LSN " + lsn + " of " + buckets + " (" + chunk.length + " ids); nothing applied", null);
      }
      if (columns != null && !columns.equals(r.columns())) {
        throw new RepairException("bucket rows from " + base + ": columns changed between requests at one LSN; nothing applied", null);
      }
      columns = r.columns();
      keys.addAll(r.keys());
      rows.addAll(r.rows());
    }
    return new Fetched(columns == null ? List.of() : columns, keys, rows, bytes);
  }

  /** Where rows are fetched from. */
  public String describe() {
    return base.toString();
  }

  private byte[] get(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET().timeout(TIMEOUT);
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
      throw new RepairException("capture node at " + base + " answered " + res.statusCode() + " for bucket rows: "
          + message(res), null);
    }
    return res.body();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
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
