package io.walflow.ingest;

import io.walflow.ingest.log.ChronicleLog;
import io.walflow.ingest.log.EntryCodec;
import io.walflow.ingest.log.PartAssembler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Reads the ordered log from a position onwards, while capture may be appending to it (also from
 * another process). Every entry's CRC is verified before anything is decoded from it.
 *
 * <p>A commit stored in several parts is returned once, reassembled, after its last part; snapshot
 * parts are returned one by one. Entries of all databases come in log order; per database, LSNs
 * are increasing.
 *
 * <p>Not thread-safe: one reader per thread.
 */
public final class LogReader implements AutoCloseable {
  private final ChronicleLog log;
  private final boolean ownsLog;
  private final ExcerptTailer tailer;
  private final Deque<LogRecord> ready = new ArrayDeque<>();
  private final PartAssembler<LogPosition> assembler = new PartAssembler<>();
  /** A corrupt entry found in the current document, reported after the entries before it. */
  private CorruptEntryException pendingError;

  private LogReader(ChronicleLog log, boolean ownsLog) {
    this.log = log;
    this.ownsLog = ownsLog;
    this.tailer = log.tailer();
  }

  /**
   * Opens the log in {@code dataDir} for reading from its start.
   *
   * @throws IOException when there is no log there
   */
  public static LogReader open(Path dataDir) throws IOException {
    return new LogReader(ChronicleLog.open(dataDir, net.openhft.chronicle.queue.RollCycles.FAST_HOURLY, true), true);
  }

  /** A reader over an already open log (which it will not close). */
  public static LogReader over(ChronicleLog log) {
    return new LogReader(log, false);
  }

  /** Moves to the start of the log. */
  public LogReader toStart() {
    tailer.direction(TailerDirection.FORWARD).toStart();
    ready.clear();
    assembler.clear();
    return this;
  }

  /** Moves to the end of the log: the next entry returned is the next one appended. */
  public LogReader toEnd() {
    tailer.direction(TailerDirection.FORWARD).toEnd();
    ready.clear();
    assembler.clear();
    return this;
  }

  /**
   * Moves to the document with queue index {@code index} (as in {@link LogPosition#index()}).
   *
   * @return false when no such document exists (any more)
   */
  public boolean moveTo(long index) {
    ready.clear();
    assembler.clear();
    return tailer.direction(TailerDirection.FORWARD).moveToIndex(index);
  }

  /**
   * The next complete entry, or empty when the reader has reached the end of what has been
   * appended so far (call again later to tail).
   *
   * @throws CorruptEntryException for an entry that fails its checks; the rest of its document is
   *     skipped and the next call continues after it
   */
  public Optional<LogRecord> next() {
    while (ready.isEmpty()) {
      if (pendingError != null) {
        CorruptEntryException e = pendingError;
        pendingError = null;
        throw e;
      }
      if (!readDocument()) {
        return Optional.empty();
      }
    }
    return Optional.of(ready.poll());
  }

  /** Returns the next entry satisfying the database / LSN filter, or empty at the end. */
  public Optional<LogRecord> next(Optional<String> db, long fromLsn) {
    while (true) {
      Optional<LogRecord> r = next();
      if (r.isEmpty()) {
        return r;
      }
      LogEntry e = r.get().entry();
      if ((db.isEmpty() || db.get().equals(e.db())) && e.lsn() >= fromLsn) {
        return r;
      }
    }
  }

  private boolean readDocument() {
    byte[] doc;
    long index;
    try (DocumentContext dc = tailer.readingDocument()) {
      if (!dc.isPresent()) {
        return false;
      }
      index = dc.index();
      Bytes<?> bytes = dc.wire().bytes();
      doc = new byte[(int) bytes.readRemaining()];
      bytes.read(doc);
    }
    ByteBuffer buf = ByteBuffer.wrap(doc);
    int offset = 0;
    try {
      while (offset < doc.length) {
        LogPosition pos = new LogPosition(index, offset);
        int length = EntryCodec.entryLength(buf, offset, pos.toString());
        LogEntry entry = EntryCodec.decode(buf, offset, pos.toString());
        accept(pos, entry);
        offset += length;
      }
    } catch (CorruptEntryException e) {
      // The rest of this document cannot be framed; entries before it are still delivered first.
      pendingError = e;
    }
    return true;
  }

  private void accept(LogPosition pos, LogEntry entry) {
    assembler.accept(pos, entry).ifPresent(a -> ready.add(new LogRecord(a.position(), a.entry())));
  }

  @Override
  public void close() {
    tailer.close();
    if (ownsLog) {
      try {
        log.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
