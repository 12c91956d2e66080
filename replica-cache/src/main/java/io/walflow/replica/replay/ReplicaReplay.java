package io.walflow.replica.replay;

import io.walflow.ingest.LogEntry;
import io.walflow.ingest.LogReader;
import io.walflow.ingest.LogRecord;
import io.walflow.ingest.Replay;
import io.walflow.ingest.feed.ChangeFeed;
import io.walflow.replica.ApplyState;
import io.walflow.replica.DatabaseStatus;
import io.walflow.replica.Replica;
import io.walflow.replica.ReplicaConfig;
import io.walflow.replica.verify.Report;
import io.walflow.replica.verify.ReplicaView;
import io.walflow.replica.verify.SourceDatabase;
import io.walflow.replica.verify.Verifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Rebuilds a replica's RocksDB from the local log as of any LSN the log reaches: from the newest
 * snapshot of the database at or before that LSN, then every commit after it up to the LSN,
 * applied exactly as a running replica applies them. The new store is built beside the replica's
 * directory and swapped in at the end; the replica must not run meanwhile. The rebuilt replica
 * holds that one database.
 */
public final class ReplicaReplay {
  /** Differences kept in a verification report. */
  private static final int KEEP_DIFFERENCES = 100;

  private ReplicaReplay() {}

  /** Where replay stands: the LSN reached, the first and last LSN it goes through. */
  public interface Progress {
    void reached(long lsn, long firstLsn, long lastLsn);
  }

  /**
   * What was rebuilt.
   *
   * @param verification the comparison with the database rebuilt from the log at {@code lsn},
   *     when asked for
   */
  public record Result(String db, long lsn, long snapshotLsn, long commits, long rows, Optional<Report> verification) {}

  /**
   * Rebuilds database {@code db} as of {@code lsn} (default: the last LSN in the log) into the
   * replica directory {@code replicaDir} (its {@code rocksdb} is replaced).
   *
   * @param verify also compare the result with the database file rebuilt from the log at the same LSN
   * @throws Replay.UnreachableLsnException if the log holds no snapshot at or before the LSN, or does not reach it
   */
  public static Result toReplica(Path dataDir, String db, OptionalLong lsn, Path replicaDir, boolean verify,
      Progress progress) throws IOException {
    long[] plan = plan(dataDir, db, lsn);
    long snapshotIndex = plan[0];
    long snapshotLsn = plan[1];
    long last = lsn.orElse(plan[2]);
    Path build = replicaDir.toAbsolutePath().resolveSibling(replicaDir.getFileName() + ".walflow-replay");
    deleteTree(build);
    Result result;
    try (Replica replica = Replica.open(ReplicaConfig.of("replay", build));
        ChangeFeed feed = new ChangeFeed(Files.createDirectories(build.resolve("tmp")), replica.sink());
        LogReader reader = LogReader.open(dataDir)) {
      reader.moveTo(snapshotIndex);
      boolean started = false;
      long commits = 0;
      Optional<LogRecord> r;
      while ((r = reader.next(Optional.of(db), 0)).isPresent()) {
        LogEntry e = r.get().entry();
        if (e.lsn() > last) {
          break;
        }
        if (!started) {
          if (!(e instanceof LogEntry.Snapshot) || e.partIndex() != 0 || e.lsn() != snapshotLsn) {
            continue;
          }
          started = true;
        }
        feed.accept(e);
        if (e instanceof LogEntry.Commit) {
          commits++;
        }
        long reached = replica.databases().contains(db) ? replica.lsn(db) : -1;
        progress.reached(reached, snapshotLsn, last);
        if (reached == last) {
          break;
        }
      }
      DatabaseStatus s = replica.status().databases().get(db);
      if (s == null || s.lsn() != last || s.state() != ApplyState.OK) {
        throw new Replay.UnreachableLsnException("replay of '" + db + "' reached LSN " + (s == null ? -1 : s.lsn())
            + (s == null ? "" : " (state " + s.state().name().toLowerCase(java.util.Locale.ROOT) + s.reason().map(x -> ": " + x).orElse("") + ")")
            + ", not LSN " + last);
      }
      Optional<Report> report = Optional.empty();
      if (verify) {
        Path copy = build.resolve("verify-" + last + ".db");
        Replay.toFile(dataDir, db, OptionalLong.of(last), copy, x -> { });
        report = Optional.of(Verifier.compare(SourceDatabase.read(copy, false), ReplicaView.over(replica), db, last, last,
            KEEP_DIFFERENCES));
        for (String suffix : new String[] {"", "-wal", "-shm"}) {
          Files.deleteIfExists(copy.resolveSibling(copy.getFileName() + suffix));
        }
      }
      result = new Result(db, last, snapshotLsn, commits, replica.appliedRows(), report);
    }
    Files.createDirectories(replicaDir);
    Path target = replicaDir.resolve("rocksdb");
    deleteTree(target);
    Files.move(build.resolve("rocksdb"), target);
    deleteTree(build);
    return result;
  }

  /** The newest snapshot at or before the LSN: {queue index, its LSN}, and the last LSN of {@code db}. */
  private static long[] plan(Path dataDir, String db, OptionalLong lsn) throws IOException {
    long index = -1;
    long snapshotLsn = -1;
    long lastLsn = -1;
    try (LogReader reader = LogReader.open(dataDir).toStart()) {
      Optional<LogRecord> r;
      while ((r = reader.next(Optional.of(db), 0)).isPresent()) {
        LogEntry e = r.get().entry();
        lastLsn = Math.max(lastLsn, e.lsn());
        if (e instanceof LogEntry.Snapshot && e.partIndex() == 0 && (lsn.isEmpty() || e.lsn() <= lsn.getAsLong())) {
          index = r.get().position().index();
          snapshotLsn = e.lsn();
        }
      }
    }
    if (index < 0) {
      throw new Replay.UnreachableLsnException("the log in " + dataDir + " holds no snapshot of '" + db + "'"
          + (lsn.isPresent() ? " at or before LSN " + lsn.getAsLong() : ""));
    }
    if (lsn.isPresent() && lsn.getAsLong() > lastLsn) {
      throw new Replay.UnreachableLsnException("the log of '" + db + "' ends at LSN " + lastLsn + "; LSN "
          + lsn.getAsLong() + " is not in it yet");
    }
    return new long[] {index, snapshotLsn, lastLsn};
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}
