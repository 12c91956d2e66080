package io.walflow.replica.source;

import io.walflow.ingest.CorruptEntryException;
import io.walflow.ingest.LogPosition;
import io.walflow.ingest.LogReader;
import io.walflow.ingest.LogRecord;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the local walflow log (Chronicle Queue, {@code <data-dir>/log}) and tails it, also while
 * capture appends to it from another process. Waits for a log that does not exist yet.
 *
 * <p>Where it resumes: after each applied batch ({@link #commit}) it saves, in the replica's store
 * ({@link SourcePositions}, at most every {@value #SAVE_EVERY_MILLIS} ms), the queue index of the
 * document to read again from: the one holding the last polled entry, or the first part of a
 * snapshot still being received if that is earlier. A restarted replica that holds data starts
 * there; one that holds nothing, or whose saved document is gone (retention), reads from the
 * start. Entries read again are skipped by LSN.
 */
public final class LocalLogSource implements EntrySource {
  private static final Logger LOG = LoggerFactory.getLogger(LocalLogSource.class);
  /** Most entries returned by one poll, so that the apply loop commits regularly. */
  private static final int MAX_BATCH = 1000;
  /** How long to sleep between looks at a log that has nothing new. */
  private static final long IDLE_SLEEP_MS = 2;
  static final long SAVE_EVERY_MILLIS = 200;
  /** Name of the saved position in the replica's store. */
  static final String POSITION_NAME = "local-log";

  private final Path dataDir;
  private LogReader reader;
  private volatile String state = "waiting for the log";
  private SourcePositions positions;
  /** Queue index to resume from at open, or -1: the start. */
  private long resumeIndex = -1;
  private long lastPolledIndex = -1;
  private long savedIndex = -1;
  private long lastSaveMillis;
  private volatile String resumedAt = "";

  public LocalLogSource(Path dataDir) {
    this.dataDir = dataDir;
  }

  @Override
  public void begin(boolean replicaEmpty, SourcePositions positions) {
    this.positions = positions;
    if (!replicaEmpty) {
      resumeIndex = positions.load(POSITION_NAME).filter(b -> b.length == 8).map(b -> ByteBuffer.wrap(b).getLong())
          .orElse(-1L);
      savedIndex = resumeIndex;
    }
  }

  private LogReader openReader() throws IOException {
    LogReader r = LogReader.open(dataDir).toStart();
    if (resumeIndex >= 0) {
      if (r.moveTo(resumeIndex)) {
        LOG.info("local log {}: resuming at queue index 0x{} (saved position)", dataDir, Long.toHexString(resumeIndex));
        resumedAt = "resumed at queue index 0x" + Long.toHexString(resumeIndex);
      } else {
        LOG.warn("local log {}: the saved position, queue index 0x{}, is no longer in the log; reading from its start",
            dataDir, Long.toHexString(resumeIndex));
        r.toStart();
      }
    }
    if (resumedAt.isEmpty()) {
      resumedAt = "read from the start";
    }
    return r;
  }

  @Override
  public List<SourceItem> poll(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<SourceItem> out = new ArrayList<>();
    while (true) {
      if (reader == null) {
        try {
          reader = openReader();
          state = "ok (" + resumedAt + ")";
        } catch (IOException | RuntimeException e) {
          state = "no log in " + dataDir + " yet: " + e.getMessage();
        }
      }
      if (reader != null) {
        while (out.size() < MAX_BATCH) {
          try {
            Optional<LogRecord> r = reader.next();
            if (r.isEmpty()) {
              break;
            }
            out.add(new SourceItem.Entry(r.get().entry(), "local log " + dataDir + " at " + r.get().position(),
                r.get().position()));
            lastPolledIndex = r.get().position().index();
          } catch (CorruptEntryException e) {
            out.add(new SourceItem.Failure(Optional.empty(), "local log " + dataDir + " at " + e.position(), e.getMessage()));
          }
        }
      }
      if (!out.isEmpty() || System.nanoTime() >= deadline) {
        return out;
      }
      Thread.sleep(reader == null ? 100 : IDLE_SLEEP_MS);
    }
  }

  @Override
  public void commit(Collection<Object> pending) {
    if (positions == null || lastPolledIndex < 0) {
      return;
    }
    long from = lastPolledIndex;
    for (Object p : pending) {
      from = Math.min(from, ((LogPosition) p).index());
    }
    long now = System.currentTimeMillis();
    if (from == savedIndex || now - lastSaveMillis < SAVE_EVERY_MILLIS) {
      return;
    }
    try {
      positions.save(POSITION_NAME, ByteBuffer.allocate(8).putLong(from).array());
      savedIndex = from;
      lastSaveMillis = now;
    } catch (RuntimeException e) {
      // Not fatal: a restart reads from an older position (entries skipped by LSN).
      LOG.warn("local log {}: cannot save the resume position: {}", dataDir, e.toString());
    }
  }

  @Override
  public String describe() {
    return "local log " + dataDir + ": " + state;
  }

  @Override
  public void close() {
    if (reader != null) {
      reader.close();
    }
  }
}
