package io.walflow.replica.repair;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walflow.ingest.CorruptEntryException;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.log.EntryCodec;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Fetches entries of the capture node's log by LSN range ({@link LogRangeServer}), checking every
 * entry (framing, magic, CRC, database, LSN range) before anything is handed on. Thread-safe.
 */
public final class LogRangeClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final URI base;
  private final Optional<String> token;
  private final HttpClient http;

  /**
   * @param baseUrl the capture node's HTTP endpoint, e.g. {@code http://127.0.0.1:8470}
   * @param token its bearer token (empty for an endpoint started with {@code --open})
   */
  public LogRangeClient(String baseUrl, Optional<String> token) {
    this.base = URI.create(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
    this.token = token;
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** Entries and the bytes of the answer they came in. */
  public record Fetched(List<LogEntry> entries, long bytes) {}

  /**
   * The entries of {@code db} with LSNs {@code from..to}.
   *
   * @throws RangeGoneException if the capture node no longer holds them
   * @throws RepairException if it cannot be reached, refuses, or answers with a malformed stream
   */
  public Fetched range(String db, long from, long to) {
    Fetched f = fetch(db, "fromLsn=" + from + "&toLsn=" + to);
    for (LogEntry e : f.entries()) {
      if (e.lsn() < from || e.lsn() > to) {
        throw new RepairException("the capture node at " + base + " answered LSN " + e.lsn() + " of '" + db
            + "' for the range " + from + ".." + to + "; nothing applied", null);
      }
    }
    return f;
  }

  /**
   * The newest snapshot of {@code db} the capture node holds and every entry after it.
   *
   * @throws RangeGoneException if the capture node holds no snapshot of {@code db}
   */
  public Fetched newestSnapshot(String db) {
    Fetched f = fetch(db, "snapshot=newest");
    if (f.entries().isEmpty() || !(f.entries().get(0) instanceof LogEntry.Snapshot)) {
      throw new RepairException("the capture node at " + base + " answered a snapshot request for '" + db
          + "' without a snapshot first; nothing applied", null);
    }
    return f;
  }

  /** A client of the same capture node for the rows of digest buckets (divergence repair). */
  public BucketClient buckets() {
    return new BucketClient(base.toString(), token);
  }

  /** Where entries are fetched from. */
  public String describe() {
    return base.toString();
  }

  private Fetched fetch(String db, String query) {
    String path = "/v1/log/" + URLEncoder.encode(db, StandardCharsets.UTF_8).replace("+", "%20") + "?" + query;
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
      throw new RepairException("capture node at " + base + path + " answered " + res.statusCode() + ": " + message(res), null);
    }
    return new Fetched(parse(res.body(), db, base + path), res.body().length);
  }

  /**
   * Reads an entry stream: per entry a 4-byte length and the entry, then a 4-byte zero.
   *
   * @throws RepairException if it is truncated, an entry fails its checks, or belongs to another database
   */
  static List<LogEntry> parse(byte[] body, String db, String where) {
    ByteBuffer buf = ByteBuffer.wrap(body);
    List<LogEntry> out = new ArrayList<>();
    while (true) {
      if (buf.remaining() < 4) {
        throw new RepairException("entry stream from " + where + " truncated at byte " + buf.position()
            + " (no end marker); nothing applied", null);
      }
      int length = buf.getInt();
      if (length == 0) {
        break;
      }
      if (length < 0 || length > buf.remaining()) {
        throw new RepairException("entry stream from " + where + ": entry length " + length + " at byte "
            + (buf.position() - 4) + " exceeds the " + buf.remaining() + " bytes left; nothing applied", null);
      }
      ByteBuffer entry = ByteBuffer.wrap(body, buf.position(), length).slice();
      String at = where + " byte " + buf.position();
      try {
        if (EntryCodec.entryLength(entry, 0, at) != length) {
          throw new RepairException("entry stream from " + where + ": the entry at byte " + buf.position()
              + " does not fill its frame of " + length + " bytes; nothing applied", null);
        }
        LogEntry e = EntryCodec.decode(entry, 0, at);
        if (!e.db().equals(db)) {
          throw new RepairException("entry stream from " + where + ": an entry of database '" + e.db()
              + "' in an answer for '" + db + "'; nothing applied", null);
        }
        out.add(e);
      } catch (CorruptEntryException e) {
        throw new RepairException("entry stream from " + where + ": " + e.getMessage() + "; nothing applied", e);
      }
      buf.position(buf.position() + length);
    }
    if (buf.hasRemaining()) {
      throw new RepairException("entry stream from " + where + ": " + buf.remaining() + " bytes after the end marker; nothing applied", null);
    }
    return out;
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
