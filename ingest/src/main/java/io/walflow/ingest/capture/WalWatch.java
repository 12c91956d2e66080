package io.walflow.ingest.capture;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How an idle tailer waits for its next poll: until the database's folder reports a write (on
 * Linux, inotify through {@link WatchService}: SQLite appends every commit to the WAL with
 * {@code write}), or the poll interval at the latest.
 *
 * <p>The folder is watched only while capture is idle ({@link #awaitWrite}), and no longer once it
 * reads commits ({@link #pause}): while commits keep coming, the tailer polls at the interval and
 * reads what accumulated in one pin cycle. A watch during a stream of commits cost the application's
 * writer a wake-up of the JDK's watch thread on every {@code write}: half its commits/s in the
 * capture bench. So a commit after a pause is read at once, and a stream of commits is read in
 * batches.
 *
 * <p>A notification only ends the wait early: what was committed is still found by reading the
 * WAL, so a lost, late or unrelated notification costs at most one poll interval or one empty
 * poll. Where no watch service is available (or registering fails), the tailer just sleeps for the
 * interval, as it would without one.
 */
final class WalWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WalWatch.class);
  private final String db;
  private final Path dir;
  private WatchService service;
  private WatchKey key;

  private WalWatch(String db, Path dir, WatchService service) {
    this.db = db;
    this.dir = dir;
    this.service = service;
  }

  /** Prepares to watch the folder of {@code walPath}; falls back to sleeping when it cannot. */
  static WalWatch of(String db, Path walPath) {
    Path dir = walPath.toAbsolutePath().getParent();
    try {
      return new WalWatch(db, dir, FileSystems.getDefault().newWatchService());
    } catch (IOException | UnsupportedOperationException e) {
      LOG.info("database '{}': cannot watch {} for writes ({}); capture polls the WAL every poll interval instead",
          db, dir, e.toString());
      return new WalWatch(db, dir, null);
    }
  }

  /** Waits until a file in the folder is written, or {@code max} at the latest (capture is idle). */
  void awaitWrite(Duration max) throws InterruptedException {
    if (service == null || !watching()) {
      LockSupport.parkNanos(max.toNanos());
      return;
    }
    try {
      WatchKey signalled = service.poll(max.toNanos(), TimeUnit.NANOSECONDS);
      if (signalled != null) {
        signalled.pollEvents();
        signalled.reset();
      }
    } catch (ClosedWatchServiceException e) {
      LockSupport.parkNanos(max.toNanos());
    }
  }

  /** Stops watching until the next {@link #awaitWrite}. */
  void pause() {
    if (key != null) {
      key.cancel();
      key = null;
    }
  }

  private boolean watching() {
    if (key == null) {
      try {
        key = dir.register(service, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_CREATE);
      } catch (IOException | UnsupportedOperationException e) {
        LOG.info("database '{}': cannot watch {} for writes ({}); capture polls the WAL every poll interval instead",
            db, dir, e.toString());
        closeQuietly();
        return false;
      }
    }
    return true;
  }

  private void closeQuietly() {
    try {
      close();
    } catch (IOException ignored) {
      // nothing is registered on it
    }
  }

  @Override
  public void close() throws IOException {
    if (service != null) {
      WatchService s = service;
      service = null;
      key = null;
      s.close();
    }
  }
}
