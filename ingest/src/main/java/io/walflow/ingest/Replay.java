package io.walflow.ingest;

import io.walflow.ingest.image.PageFile;
import io.walflow.ingest.log.ChronicleLog;
import io.walflow.ingest.log.EntryCodec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.LongConsumer;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Rebuilds a database file from the log as of any LSN that the log can reach: the newest snapshot
 * at or before that LSN, then every commit after it up to the LSN. The result is the database
 * file SQLite would have after a TRUNCATE checkpoint at that commit, byte for byte.
 */
public final class Replay {
  private Replay() {}

  /** What was rebuilt. */
  public record Result(String db, long lsn, int pages, int pageSize, long snapshotLsn, long commitsApplied) {}

  /** The requested LSN cannot be rebuilt from this log. */
  public static final class UnreachableLsnException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnreachableLsnException(String message) {
      super(message);
    }
  }

  /**
   * Writes database {@code db} as of {@code lsn} (default: the last LSN in the log) to {@code out},
   * replacing it atomically.
   *
   * @param progress told the LSN reached as replay advances
   */
  public static Result toFile(Path dataDir, String db, OptionalLong lsn, Path out, LongConsumer progress)
      throws IOException {
    try (ChronicleLog log = ChronicleLog.open(dataDir, RollCycles.FAST_HOURLY, true)) {
      long snapshotIndex = findSnapshot(log, db, lsn);
      Path tmp = out.resolveSibling(out.getFileName() + ".walflow-replay.tmp");
      Files.deleteIfExists(tmp);
      long reached = -1;
      long snapshotLsn = -1;
      long commits = 0;
      int pageSize = 0;
      int pages = 0;
      PageFile file = null;
      try (LogReader reader = LogReader.over(log)) {
        reader.moveTo(snapshotIndex);
        Optional<LogRecord> r;
        while ((r = reader.next(Optional.of(db), 0)).isPresent()) {
          LogEntry e = r.get().entry();
          if (lsn.isPresent() && e.lsn() > lsn.getAsLong()) {
            break;
          }
          if (file == null) {
            if (!(e instanceof LogEntry.Snapshot) || e.partIndex() != 0) {
              continue; // entries before the snapshot in its document
            }
            pageSize = e.pageSize();
            file = PageFile.open(tmp, pageSize, e.dbPageCount());
            snapshotLsn = e.lsn();
          }
          if (e instanceof LogEntry.Snapshot s) {
            if (s.lsn() == reached && s.partIndex() == 0) {
              // A retention snapshot of a state we already hold: skip its parts.
              continue;
            }
            if (s.lsn() < reached || (s.lsn() == reached && s.partIndex() > 0)) {
              continue;
            }
            for (LogEntry.Page p : s.pages()) {
              file.write(p.pgno(), p.data());
            }
            if (s.partIndex() == s.partCount() - 1) {
              file.setPageCount(s.dbPageCount());
              reached = s.lsn();
              pages = s.dbPageCount();
            }
          } else if (e instanceof LogEntry.Commit c) {
            if (c.lsn() <= reached) {
              continue;
            }
            if (c.lsn() != reached + 1) {
              throw new UnreachableLsnException("the log of '" + db + "' jumps from LSN " + reached + " to " + c.lsn()
                  + " at " + r.get().position() + "; cannot replay past LSN " + reached);
            }
            for (LogEntry.Page p : c.pages()) {
              file.write(p.pgno(), p.data());
            }
            file.setPageCount(c.dbPageCount());
            reached = c.lsn();
            pages = c.dbPageCount();
            commits++;
          }
          progress.accept(reached);
          if (lsn.isPresent() && reached == lsn.getAsLong()) {
            break;
          }
        }
        if (file == null || reached < 0) {
          throw new UnreachableLsnException("the log has no complete snapshot of '" + db + "'");
        }
        if (lsn.isPresent() && reached != lsn.getAsLong()) {
          throw new UnreachableLsnException("the log of '" + db + "' ends at LSN " + reached + "; LSN "
              + lsn.getAsLong() + " is not in it yet");
        }
        file.force();
      } finally {
        if (file != null) {
          file.close();
        }
      }
      Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return new Result(db, reached, pages, pageSize, snapshotLsn, commits);
    }
  }

  /** Queue index of the newest snapshot of {@code db} at or before {@code lsn}, read backwards. */
  private static long findSnapshot(ChronicleLog log, String db, OptionalLong lsn) {
    try (ExcerptTailer tailer = log.tailer()) {
      tailer.direction(TailerDirection.BACKWARD).toEnd();
      while (true) {
        try (DocumentContext dc = tailer.readingDocument()) {
          if (!dc.isPresent()) {
            break;
          }
          Bytes<?> bytes = dc.wire().bytes();
          byte[] doc = new byte[(int) bytes.readRemaining()];
          bytes.read(doc);
          ByteBuffer buf = ByteBuffer.wrap(doc);
          int offset = 0;
          try {
            while (offset < doc.length) {
              String where = new LogPosition(dc.index(), offset).toString();
              int length = EntryCodec.entryLength(buf, offset, where);
              LogEntry e = EntryCodec.decode(buf, offset, where);
              if (e instanceof LogEntry.Snapshot s && s.db().equals(db) && s.partIndex() == 0
                  && (lsn.isEmpty() || s.lsn() <= lsn.getAsLong())) {
                return dc.index();
              }
              offset += length;
            }
          } catch (CorruptEntryException e) {
            // Looking for the snapshot only: the forward pass reports this entry if it needs it.
          }
        }
      }
    }
    throw new UnreachableLsnException("the log has no snapshot of '" + db + "'"
        + (lsn.isPresent() ? " at or before LSN " + lsn.getAsLong() : "")
        + "; retention may have removed it, or the database was never captured");
  }
}
