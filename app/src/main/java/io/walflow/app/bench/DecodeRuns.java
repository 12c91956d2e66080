package io.walflow.app.bench;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.DatabaseStats;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.LogReader;
import io.walflow.ingest.LogRecord;
import io.walflow.ingest.change.ChangeCodec;
import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.decode.CommitDecoder;
import io.walflow.ingest.image.OverlayImage;
import io.walflow.ingest.image.PageImage;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * The measurements of the decode suite.
 *
 * <p>Every measurement writes its load <em>while capture is stopped</em>: the database is created
 * (and filled), capture is started until its snapshot (LSN 0) is durable and stopped again, then
 * the writer runs alone at full speed with SQLite's automatic checkpoints off, so the whole load
 * stays in the WAL. That run is SQLite's own write rate. Capture is then started again on the same
 * data directory: it resumes after LSN 0 and catches up over the pre-written WAL, commit k
 * becoming LSN k. Capture's own checkpoints are off too, so nothing competes with that catch-up.
 */
final class DecodeRuns {
  static final String DB = CaptureRuns.DB;
  /** Capture is called stuck when no LSN became durable for this long while commits are missing. */
  private static final long STALL_SECONDS = 10;
  private static final long CATCH_UP_TIMEOUT_SECONDS = 180;

  private final Workspace workspace;
  private final Progress progress;

  DecodeRuns(Workspace workspace, Progress progress) {
    this.workspace = workspace;
    this.progress = progress;
  }

  /**
   * A load written by SQLite alone and captured (without decoding) into a log, ready to be
   * decoded. Close it to remove its files.
   *
   * @param load what the writer did, alone: SQLite's write rate
   * @param dataDir capture's data directory (the log is in {@code dataDir/log})
   */
  record Captured(Path dir, Path dataDir, SqliteWriter.Load load, Workspace workspace) implements AutoCloseable {
    @Override
    public void close() {
      workspace.delete(dir);
    }
  }

  Captured capture(String label, ChangeWriter.Kind kind, int filled, int rowsPerTxn, long nanos) throws Exception {
    Path dir = workspace.newDir(label);
    try {
      Path dataDir = dir.resolve("walflow");
      CatchUp c = writeThenCapture(dir, dataDir, label, false, filled, kind, rowsPerTxn, nanos, Long.MAX_VALUE);
      if (c.problem().isPresent()) {
        throw new IllegalStateException("capture (without decoding) did not log the " + label + " load: "
            + c.problem().get());
      }
      return new Captured(dir, dataDir, c.load(), workspace);
    } catch (Exception | Error e) {
      workspace.delete(dir);
      throw e;
    }
  }

  /**
   * One pass of {@link CommitDecoder#decode} over every commit of a log.
   *
   * @param commits commits decoded
   * @param rows row changes reported
   * @param decodeNanos time spent inside {@code decode} only
   * @param encodeNanos time spent encoding the change sets ({@link ChangeCodec#encode}), as capture
   *     does before appending
   * @param encodedBytes bytes of encoded changes
   * @param pageReads pages of the before-image read by the decoder (pages the commit wrote are read
   *     from the after-image and not counted)
   * @param maxCommitNanos the slowest single decode
   * @param snapshots snapshot entries met (1 expected: LSN 0)
   */
  record Pass(long commits, long rows, long decodeNanos, long encodeNanos, long encodedBytes, long pageReads,
      long maxCommitNanos, int snapshots) {
    double rowsPerSecond() {
      return rows / (decodeNanos / 1e9);
    }

    double commitsPerSecond() {
      return commits / (decodeNanos / 1e9);
    }
  }

  /** Decodes every commit of {@code captured}'s log in order, timing only the decoder. */
  Pass decodePass(Captured captured) throws Exception {
    long commits = 0;
    long rows = 0;
    long decodeNanos = 0;
    long encodeNanos = 0;
    long encodedBytes = 0;
    long maxNanos = 0;
    long readsWhileDecoding = 0;
    int snapshots = 0;
    MemoryImage image = null;
    try (LogReader reader = LogReader.open(captured.dataDir()); CommitDecoder decoder = new CommitDecoder(DB)) {
      Optional<LogRecord> next;
      while ((next = reader.next()).isPresent()) {
        LogEntry e = next.get().entry();
        if (!e.db().equals(DB) || e instanceof LogEntry.Digest) {
          continue;
        }
        if (e instanceof LogEntry.Snapshot s) {
          if (s.partIndex() == 0) {
            image = new MemoryImage(s.pageSize(), s.dbPageCount());
            snapshots++;
          }
          image.apply(s.pages(), s.dbPageCount());
          if (s.partIndex() == s.partCount() - 1) {
            // Primes the decoder's schema and page-ownership map (untimed), as capture's decoder is
            // primed by its first commit after a snapshot.
            decoder.decodeSnapshot(image);
          }
          continue;
        }
        LogEntry.Commit c = (LogEntry.Commit) e;
        if (image == null) {
          throw new IllegalStateException("the log of " + captured.dir() + " starts with a commit, not a snapshot");
        }
        Map<Integer, ByteBuffer> written = new HashMap<>();
        BitSet changed = new BitSet();
        for (LogEntry.Page p : c.pages()) {
          written.put(p.pgno(), ByteBuffer.wrap(p.data()));
          changed.set(p.pgno());
        }
        PageImage after = new OverlayImage(image, written, c.dbPageCount());
        long readsBefore = image.reads();
        long t0 = System.nanoTime();
        ChangeSet cs = decoder.decode(image, after, changed);
        long t1 = System.nanoTime();
        byte[] encoded = ChangeCodec.encode(cs);
        long t2 = System.nanoTime();
        readsWhileDecoding += image.reads() - readsBefore;
        decodeNanos += t1 - t0;
        encodeNanos += t2 - t1;
        maxNanos = Math.max(maxNanos, t1 - t0);
        encodedBytes += encoded.length;
        rows += cs.rowChanges().size();
        commits++;
        image.apply(c.pages(), c.dbPageCount());
      }
    }
    return new Pass(commits, rows, decodeNanos, encodeNanos, encodedBytes, readsWhileDecoding, maxNanos, snapshots);
  }

  /**
   * Capture catching up over a pre-written WAL.
   *
   * @param load what the writer did, alone
   * @param catchUpNanos from {@code Capture.start} to the writer's last commit being durable
   * @param streamNanos from LSN 1 durable to the last LSN durable (start-up and resumption left out)
   * @param stats capture's counters at the end
   * @param problem what went wrong in capture, if anything
   */
  record CatchUp(SqliteWriter.Load load, long catchUpNanos, long streamNanos, Optional<DatabaseStats> stats,
      Optional<String> problem) {
    double commitsPerSecond() {
      return load.commits() / (catchUpNanos / 1e9);
    }

    /** Commits/s between LSN 1 and the last LSN becoming durable. */
    double streamCommitsPerSecond() {
      return (load.commits() - 1) / (streamNanos / 1e9);
    }
  }

  /** A single-row insert load of {@code commits} commits written alone, then captured with or without decoding. */
  CatchUp catchUp(String label, boolean decode, long commits) throws Exception {
    Path dir = workspace.newDir(label);
    try {
      return writeThenCapture(dir, dir.resolve("walflow"), label, decode, 0, ChangeWriter.Kind.INSERT, 1,
          TimeUnit.MINUTES.toNanos(2), commits);
    } finally {
      workspace.delete(dir);
    }
  }

  private CatchUp writeThenCapture(Path dir, Path dataDir, String label, boolean decode, int filled,
      ChangeWriter.Kind kind, int rowsPerTxn, long nanos, long maxCommits) throws Exception {
    Path dbPath = dir.resolve(DB + ".db");
    CaptureConfig config = CaptureConfig.defaults(dataDir)
        .withDatabase(DB, dbPath)
        // No checkpoint may restart the WAL while capture is stopped, nor compete with the catch-up.
        .withCheckpoints(Integer.MAX_VALUE, Long.MAX_VALUE)
        .withDecodeChanges(decode);
    try (ChangeWriter writer = ChangeWriter.create(dbPath, filled)) {
      try (Capture first = Capture.start(config)) {
        first.awaitDurable(DB, 0).get(CATCH_UP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      }
      SqliteWriter.Load load = writer.run(kind, rowsPerTxn, nanos, maxCommits);
      long start = System.nanoTime();
      try (Capture capture = Capture.start(config)) {
        DurableRecorder last = new DurableRecorder(DB, (int) Math.min(Integer.MAX_VALUE - 8, load.commits() + 1));
        capture.onDurable(last);
        OptionalLong done = last.awaitSeen(load.commits(), TimeUnit.SECONDS.toNanos(STALL_SECONDS),
            TimeUnit.SECONDS.toNanos(CATCH_UP_TIMEOUT_SECONDS),
            missing -> progress.say("decode:   %s: waiting for capture to catch up, %,d commits to go", label, missing));
        Optional<Throwable> failure = capture.failure();
        if (failure.isPresent()) {
          throw new IllegalStateException("capture failed during " + label + ": " + failure.get().getMessage(),
              failure.get());
        }
        if (done.isPresent()) {
          // Durability listeners run just before the durability state is updated: let it settle.
          capture.awaitDurable(DB, load.commits()).get(CATCH_UP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        DatabaseStats s = capture.stats().get(0);
        Optional<String> problem = Optional.empty();
        long catchUp = done.isPresent() ? done.getAsLong() - start : 0;
        long first = last.durableNanos(1);
        if (done.isEmpty() || s.durableLsn() != load.commits() || first == 0) {
          problem = Optional.of(String.format("%s: the writer committed %,d transactions; capture reached LSN %,d "
                  + "(durable %,d, %d WAL restarts seen)%s", label, load.commits(), s.lsn(), s.durableLsn(),
              s.walRestarts(), done.isPresent() ? "" : " and stopped progressing"));
          progress.say("decode:   PROBLEM %s", problem.get());
        }
        long stream = done.isPresent() && first != 0 ? done.getAsLong() - first : 0;
        return new CatchUp(load, catchUp, stream, Optional.of(s), problem);
      }
    }
  }
}
