package io.walflow.replica.source;

import io.walflow.ingest.CorruptEntryException;
import io.walflow.ingest.LogReader;
import io.walflow.ingest.LogRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Reads the local walflow log (Chronicle Queue, {@code <data-dir>/log}) from its start and tails
 * it, also while capture appends to it from another process. Entries the replica already applied
 * are skipped by LSN, so this source keeps no position of its own. Waits for a log that does not
 * exist yet.
 */
public final class LocalLogSource implements EntrySource {
  /** Most entries returned by one poll, so that the apply loop commits regularly. */
  private static final int MAX_BATCH = 1000;
  /** How long to sleep between looks at a log that has nothing new. */
  private static final long IDLE_SLEEP_MS = 2;

  private final Path dataDir;
  private LogReader reader;
  private volatile String state = "waiting for the log";

  public LocalLogSource(Path dataDir) {
    this.dataDir = dataDir;
  }

  @Override
  public List<SourceItem> poll(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<SourceItem> out = new ArrayList<>();
    while (true) {
      if (reader == null) {
        try {
          reader = LogReader.open(dataDir).toStart();
          state = "ok";
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
    // Nothing to remember: a restart reads from the start and skips applied LSNs.
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
