package io.walflow.ingest.capture;

import io.walflow.ingest.DatabaseStats;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/** Counters of one tailer, written by its thread and read by anyone. */
final class DatabaseStatus {
  private final String db;
  private final Path path;
  private volatile String state = "starting";
  private volatile long lsn = -1;
  private final AtomicLong commits = new AtomicLong();
  private final AtomicLong frames = new AtomicLong();
  private final AtomicLong logBytes = new AtomicLong();
  private final AtomicLong walRestarts = new AtomicLong();
  private final AtomicLong checkpoints = new AtomicLong();
  private final AtomicLong writerHolds = new AtomicLong();
  private volatile long lastCommitNanos = -1;
  private volatile long walFramesBehind = -1;
  private volatile String stall;
  private final AtomicLong stalls = new AtomicLong();

  DatabaseStatus(String db, Path path) {
    this.db = db;
    this.path = path;
  }

  void state(String s) {
    state = s;
  }

  void failed(String message) {
    state = "failed: " + message;
  }

  void committed(long atLsn, int frameCount) {
    lsn = atLsn;
    commits.incrementAndGet();
    frames.addAndGet(frameCount);
    lastCommitNanos = System.nanoTime();
  }

  void logBytes(long n) {
    logBytes.addAndGet(n);
  }

  void walRestarted() {
    walRestarts.incrementAndGet();
  }

  void checkpointed() {
    checkpoints.incrementAndGet();
  }

  /** Capture held the application's writers while it read on (a WAL at its size bound). */
  void writersHeld() {
    writerHolds.incrementAndGet();
  }

  void walFramesBehind(long frames) {
    walFramesBehind = frames;
  }

  /** Capture is stalled for the reason {@code message}, until {@link #caughtUp()}. */
  void stalled(String message) {
    stall = message;
    stalls.incrementAndGet();
  }

  void caughtUp() {
    stall = null;
  }

  DatabaseStats view(long currentLsn, long durableLsn, long publishedLsn) {
    long last = lastCommitNanos;
    String s = state;
    String st = stall;
    return new DatabaseStats(db, path, st != null && s.equals("capturing") ? "stalled: " + st : s,
        Math.max(lsn, currentLsn), durableLsn, commits.get(), frames.get(), logBytes.get(), walRestarts.get(),
        checkpoints.get(), last < 0 ? -1 : (System.nanoTime() - last) / 1_000_000, publishedLsn, walFramesBehind,
        stalls.get(), writerHolds.get());
  }
}
