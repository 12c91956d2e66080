package io.walflow.ingest.log;

import io.walflow.ingest.LogEntry;
import io.walflow.ingest.LogPosition;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Finds, by reading the log backwards from its end, the last complete entry of each database and
 * the position of its last snapshot: what a restarted capture resumes from, and what retention
 * may not delete.
 *
 * <p>An entry is complete when its last part is in the log; the parts of an entry cut short by a
 * crash are ignored (capture writes that LSN again).
 */
public final class LogTail {
  private LogTail() {}

  /** The last complete entry of a database, and the queue index where its newest snapshot begins. */
  public record Last(LogEntry entry, long snapshotIndex) {}

  /**
   * Scans backwards until every database in {@code dbs} has its last complete entry and last
   * snapshot (or the start of the log is reached).
   */
  public static Map<String, Last> scan(ChronicleLog log, Collection<String> dbs) {
    Map<String, LogEntry> last = new HashMap<>();
    Map<String, Long> snapshotAt = new HashMap<>();
    // An entry cut short by a crash, by (type, LSN): a retention snapshot shares its LSN with the
    // commit before it, which is complete.
    Map<String, String> incomplete = new HashMap<>();
    Set<String> wanted = new HashSet<>(dbs);
    try (ExcerptTailer tailer = log.tailer()) {
      tailer.direction(TailerDirection.BACKWARD).toEnd();
      while (!wanted.isEmpty()) {
        byte[] doc;
        long index;
        try (DocumentContext dc = tailer.readingDocument()) {
          if (!dc.isPresent()) {
            break;
          }
          index = dc.index();
          Bytes<?> bytes = dc.wire().bytes();
          doc = new byte[(int) bytes.readRemaining()];
          bytes.read(doc);
        }
        List<LogEntry> entries = decodeAll(doc, index);
        for (int i = entries.size() - 1; i >= 0; i--) {
          LogEntry e = entries.get(i);
          if (!wanted.contains(e.db())) {
            continue;
          }
          String key = key(e);
          boolean cutShort = key.equals(incomplete.get(e.db()));
          if (!last.containsKey(e.db())) {
            if (cutShort) {
              continue;
            }
            if (e.partIndex() != e.partCount() - 1) {
              incomplete.put(e.db(), key);
              continue;
            }
            last.put(e.db(), e);
          }
          if (e instanceof LogEntry.Snapshot s && s.partIndex() == 0 && !cutShort) {
            snapshotAt.put(e.db(), index);
            wanted.remove(e.db());
          }
        }
      }
    }
    Map<String, Last> out = new HashMap<>();
    last.forEach((db, e) -> out.put(db, new Last(e, snapshotAt.getOrDefault(db, -1L))));
    return out;
  }

  private static String key(LogEntry e) {
    return (e instanceof LogEntry.Snapshot ? "snapshot:" : e instanceof LogEntry.Digest ? "digest:" : "commit:") + e.lsn();
  }

  private static List<LogEntry> decodeAll(byte[] doc, long index) {
    ByteBuffer buf = ByteBuffer.wrap(doc);
    List<LogEntry> out = new ArrayList<>();
    int offset = 0;
    while (offset < doc.length) {
      String where = new LogPosition(index, offset).toString();
      int length = EntryCodec.entryLength(buf, offset, where);
      out.add(EntryCodec.decode(buf, offset, where));
      offset += length;
    }
    return out;
  }
}
