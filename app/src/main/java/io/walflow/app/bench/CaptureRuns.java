package io.walflow.app.bench;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.DatabaseStats;
import io.walflow.ingest.Durability;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The measurements of the capture suite. Each one creates a fresh database in its own folder,
 * starts capture (when asked) on a fresh data directory <em>after</em> the database exists, so that
 * the snapshot is LSN 0 and the writer's k-th commit is LSN k, runs the writer, waits for capture
 * to catch up, then stops everything and removes the folder.
 *
 * <p>A capture that stops making progress before reaching the writer's last commit is not waited
 * for forever: the run ends after {@link #STALL_SECONDS} without progress and the problem is
 * reported (with the writer's and capture's counts) instead of a figure.
 */
final class CaptureRuns {
  static final String DB = "app";
  /** Capture is called stuck when no LSN became durable for this long while commits are missing. */
  private static final long STALL_SECONDS = 10;
  /** Longest wait for capture to catch up after a load, even while it progresses. */
  private static final long CATCH_UP_TIMEOUT_SECONDS = 120;
  /** How often the sampler looks at how far capture is behind the writer. */
  private static final long SAMPLE_MILLIS = 100;
  /** Highest latency the histograms track: one minute, in microseconds. */
  private static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(1);

  private final Workspace workspace;
  private final Progress progress;

  CaptureRuns(Workspace workspace, Progress progress) {
    this.workspace = workspace;
    this.progress = progress;
  }

  /**
   * One full-speed load, alone or with capture.
   *
   * @param load what the writer did
   * @param behindAtStop commits not yet durable in the log when the writer's last commit returned
   * @param lagMillis from the last commit's return until capture reported it durable (empty when
   *     alone, or when capture never got there)
   * @param maxBehind the most commits capture was behind during the load (sampled every 100 ms)
   * @param behindEachSecond commits capture was behind at the end of each second of the load
   * @param walflow capture's counters at the end (empty when alone)
   * @param problem what went wrong in capture, if anything
   */
  record Throughput(SqliteWriter.Load load, long behindAtStop, OptionalDouble lagMillis, long maxBehind,
      List<Long> behindEachSecond, Optional<DatabaseStats> walflow, Optional<String> problem) {}

  Throughput throughput(String label, boolean withCapture, long nanos, int rowsPerTxn) throws Exception {
    Path dir = workspace.newDir(label);
    try {
      Path dbPath = dir.resolve(DB + ".db");
      try (SqliteWriter writer = SqliteWriter.create(dbPath)) {
        if (!withCapture) {
          SqliteWriter.Load load = writer.run(nanos, rowsPerTxn, 0, null);
          return new Throughput(load, 0, OptionalDouble.empty(), 0, List.of(), Optional.empty(), Optional.empty());
        }
        try (Capture capture = startCapture(dir, dbPath, Duration.ZERO, Durability.LOCAL)) {
          DurableRecorder recorder = new DurableRecorder(DB, 1);
          capture.onDurable(recorder);
          SqliteWriter.Load load;
          long behindAtStop;
          BehindSampler sampler = new BehindSampler(writer, capture);
          try (sampler) {
            load = writer.run(nanos, rowsPerTxn, 0, null);
            behindAtStop = load.commits() - Math.max(0, capture.durableLsn(DB));
          }
          OptionalLong durableAt = catchUp(recorder, load.commits(), label);
          Optional<String> problem = check(capture, label, load.commits(), durableAt.isPresent());
          // 0 when capture made the commit durable before the writer's commit() call had returned.
          OptionalDouble lag = durableAt.isPresent()
              ? OptionalDouble.of(Math.max(0, durableAt.getAsLong() - load.lastCommitNanos()) / 1e6)
              : OptionalDouble.empty();
          return new Throughput(load, behindAtStop, lag, sampler.max(), sampler.eachSecond(),
              Optional.of(capture.stats().get(0)), problem);
        }
      }
    } finally {
      workspace.delete(dir);
    }
  }

  /**
   * Commit→durable latency of a paced writer.
   *
   * @param micros latency of every commit, in microseconds (a commit made durable before the
   *     writer's {@code commit()} call returned counts as 0)
   * @param early how many commits were durable before {@code commit()} returned
   * @param commitsPerSecond the rate the writer achieved
   * @param problem what went wrong in capture, if anything (the figures are then not trustworthy)
   */
  record Latency(Histogram micros, long commits, long early, double commitsPerSecond, Optional<String> problem) {}

  Latency latency(String label, Duration window, Durability durability, long nanos, int rate) throws Exception {
    Path dir = workspace.newDir(label);
    try {
      Path dbPath = dir.resolve(DB + ".db");
      // Room for every commit at the requested rate, plus a margin for a writer that runs early.
      int capacity = (int) Math.min(Integer.MAX_VALUE - 8,
          (long) rate * Math.max(1, TimeUnit.NANOSECONDS.toSeconds(nanos)) * 5 / 4 + rate + 16);
      long[] committed = new long[capacity];
      DurableRecorder recorder = new DurableRecorder(DB, capacity);
      try (SqliteWriter writer = SqliteWriter.create(dbPath);
          Capture capture = startCapture(dir, dbPath, window, durability)) {
        capture.onDurable(recorder);
        SqliteWriter.Load load = writer.run(nanos, 1, rate, committed);
        OptionalLong done = catchUp(recorder, load.commits(), label);
        Optional<String> problem = check(capture, label, load.commits(), done.isPresent());
        Histogram h = new Histogram(MAX_LATENCY_MICROS, 3);
        long early = 0;
        long recorded = Math.min(Math.min(load.commits(), capacity - 1), recorder.seen());
        for (int k = 1; k <= recorded; k++) {
          long micros = (recorder.durableNanos(k) - committed[k]) / 1000;
          if (micros < 0) {
            early++;
            micros = 0;
          }
          h.recordValue(Math.min(micros, MAX_LATENCY_MICROS));
        }
        return new Latency(h, load.commits(), early, load.commitsPerSecond(), problem);
      }
    } finally {
      workspace.delete(dir);
    }
  }

  private OptionalLong catchUp(DurableRecorder recorder, long lsn, String label) {
    return recorder.awaitSeen(lsn, TimeUnit.SECONDS.toNanos(STALL_SECONDS),
        TimeUnit.SECONDS.toNanos(CATCH_UP_TIMEOUT_SECONDS),
        missing -> progress.say("capture:   %s: waiting for capture to catch up, %,d commits to go", label, missing));
  }

  private static Capture startCapture(Path dir, Path dbPath, Duration window, Durability durability) throws Exception {
    CaptureConfig config = CaptureConfig.defaults(dir.resolve("walflow"))
        .withDatabase(DB, dbPath)
        .withCommitWindow(window)
        .withDurability(durability);
    Capture capture = Capture.start(config);
    try {
      // The snapshot (LSN 0) must be in the log before the writer starts, so that commit k is LSN k.
      capture.awaitDurable(DB, 0).get(CATCH_UP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      capture.close();
      throw e;
    }
    return capture;
  }

  /**
   * Fails if capture failed; describes any difference between the writer's commits and capture's
   * LSNs (a lost or extra commit shifts every later LSN, so per-LSN figures become meaningless).
   */
  private Optional<String> check(Capture capture, String label, long commits, boolean caughtUp) throws InterruptedException {
    Optional<Throwable> failure = capture.failure();
    if (failure.isPresent()) {
      throw new IllegalStateException("capture failed during " + label + ": " + failure.get().getMessage(),
          failure.get());
    }
    DatabaseStats s = capture.stats().get(0);
    // The tailer updates its counters just after handing a commit to the log writer, which may make
    // it durable first: give the counters a moment to settle before comparing.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    while (caughtUp && (s.lsn() != commits || s.commits() != commits) && System.nanoTime() < deadline) {
      Thread.sleep(5);
      s = capture.stats().get(0);
    }
    if (!caughtUp || s.lsn() != commits || s.commits() != commits) {
      String what = String.format("%s: the writer committed %,d transactions; capture reached LSN %,d (durable %,d, "
              + "%,d commits read, %d WAL restarts seen, %d checkpoints)%s", label, commits, s.lsn(), s.durableLsn(),
          s.commits(), s.walRestarts(), s.checkpoints(),
          caughtUp ? "" : " and made no progress for " + STALL_SECONDS + " s: commits were lost");
      progress.say("capture:   PROBLEM %s", what);
      return Optional.of(what);
    }
    return Optional.empty();
  }

  /** Samples how many commits capture is behind the writer, every {@value #SAMPLE_MILLIS} ms. */
  private static final class BehindSampler implements AutoCloseable {
    private final SqliteWriter writer;
    private final Capture capture;
    private final Thread thread;
    private final List<Long> eachSecond = new ArrayList<>();
    private volatile boolean stop;
    private long max;

    BehindSampler(SqliteWriter writer, Capture capture) {
      this.writer = writer;
      this.capture = capture;
      this.thread = new Thread(this::run, "walflow-bench-sampler");
      this.thread.setDaemon(true);
      this.thread.start();
    }

    private void run() {
      long n = 0;
      while (!stop) {
        try {
          Thread.sleep(SAMPLE_MILLIS);
        } catch (InterruptedException e) {
          return;
        }
        // Durable first: it never passes the writer's count read after it, so the difference is >= 0.
        long durable = Math.max(0, capture.durableLsn(DB));
        long behind = Math.max(0, writer.commits() - durable);
        max = Math.max(max, behind);
        if (++n % (1000 / SAMPLE_MILLIS) == 0) {
          eachSecond.add(behind);
        }
      }
    }

    long max() {
      return max;
    }

    List<Long> eachSecond() {
      return List.copyOf(eachSecond);
    }

    @Override
    public void close() throws InterruptedException {
      stop = true;
      thread.interrupt();
      thread.join();
    }
  }
}
