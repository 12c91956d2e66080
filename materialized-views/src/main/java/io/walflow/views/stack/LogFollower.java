package io.walflow.views.stack;

import io.walflow.ingest.CorruptEntryException;
import io.walflow.ingest.LogReader;
import io.walflow.ingest.LogRecord;
import io.walflow.ingest.feed.ChangeFeed;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the local log from its start and feeds every entry through a {@link ChangeFeed} to the
 * engine, on its own thread; once at the end it waits for {@link #wake()} (capture calls it when an
 * entry becomes durable) or 5 ms. A corrupt entry is reported and skipped (the reader resumes
 * after it); any other failure stops the follower and is kept for status.
 */
final class LogFollower implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LogFollower.class);
  private final Path dataDir;
  private final ChangeFeed feed;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Throwable failure;

  LogFollower(Path dataDir, ChangeFeed feed) {
    this.dataDir = dataDir;
    this.feed = feed;
    this.thread = new Thread(this::run, "walflow-log-follower");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  void wake() {
    LockSupport.unpark(thread);
  }

  Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  private void run() {
    try (LogReader reader = LogReader.open(dataDir)) {
      reader.toStart();
      while (running) {
        Optional<LogRecord> r;
        try {
          r = reader.next();
        } catch (CorruptEntryException e) {
          LOG.error("skipping a corrupt log entry at {}: {}", e.position(), e.getMessage());
          continue;
        }
        if (r.isPresent()) {
          feed.accept(r.get().entry());
        } else {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
      }
    } catch (IOException | RuntimeException e) {
      failure = e;
      LOG.error("the log follower stopped: {}", e.toString(), e);
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    LockSupport.unpark(thread);
    thread.join(10_000);
    feed.close();
  }
}
