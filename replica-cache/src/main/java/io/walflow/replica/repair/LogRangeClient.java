package io.walflow.replica.repair;

import io.walflow.ingest.CorruptEntryException;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.log.EntryCodec;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Fetches entries of the capture node's log by LSN range ({@link LogRangeServer}), checking every
 * entry (framing, magic, CRC, database, LSN range) before anything is handed on. Thread-safe.
 */
public final class LogRangeClient {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final CaptureNodeClient node;

  /**
   * @param baseUrl the capture node's HTTP endpoint, e.g. {@code http://127.0.0.1:8470}
   * @param token its bearer token (empty for an endpoint started with {@code --open})
   */
  public LogRangeClient(String baseUrl, Optional<String> token) {
    this.node = new CaptureNodeClient(baseUrl, token);
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
        throw new RepairException("the capture node at " + node.base() + " answered LSN " + e.lsn() + " of '" + db
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
      throw new RepairException("the capture node at " + node.base() + " answered a snapshot request for '" + db
          + "' without a snapshot first; nothing applied", null);
    }
    return f;
  }

  /** A client of the same capture node for the rows of digest buckets (divergence repair). */
  public BucketClient buckets() {
    return new BucketClient(node);
  }

  /** Where entries are fetched from. */
  public String describe() {
    return node.base().toString();
  }

  private Fetched fetch(String db, String query) {
    String path = "/v1/log/" + CaptureNodeClient.segment(db) + "?" + query;
    byte[] body = node.get(path, TIMEOUT, (status, message) -> "capture node at " + node.base() + path + " answered "
        + status + ": " + message);
    return new Fetched(parse(body, db, node.base() + path), body.length);
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
}
