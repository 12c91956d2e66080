package io.walflow.replica.verify;

import io.walflow.ingest.Replay;
import io.walflow.ingest.change.Value;
import io.walflow.replica.DatabaseStatus;
import io.walflow.replica.RangeRead;
import io.walflow.replica.UnknownNameException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * Compares a replica's database with its source SQLite database at the same LSN, row by row.
 *
 * <p>Two ways to get the source at the replica's LSN: with the capture node's data directory, the
 * source is rebuilt from the log at exactly the replica's LSN ({@link Replay#toFile}), so a live
 * replica under load can be verified; without it, the live source file is compared once the
 * replica has applied everything it has seen, and the comparison is repeated until it matches or
 * the time runs out (the writer should have stopped). Every page of the replica must be read at
 * that one LSN; a replica that moved meanwhile is read again. A replica that cannot be reached
 * (restarting), or that does not hold the database yet, is waited for within the same time.
 */
public final class Verifier {
  /** Rows per replica page. */
  static final int PAGE = 2000;
  /** A table name no table has, whose 404 lists the replica's tables. */
  static final String PROBE = "walflow verify: list the tables \u0001";
  private static final long RETRY_MS = 200;

  private Verifier() {}

  /**
   * Verifies database {@code db} of {@code replica} against {@code sourceFile}.
   *
   * @param dataDir the capture node's data directory: the source is rebuilt from its log at the
   *     replica's LSN (and {@code sourceFile} is not read); empty: the live file is compared
   * @param workDir where a rebuilt copy is written (and deleted after)
   * @param keep how many differences to keep in the report (all are counted)
   * @throws IllegalArgumentException if the replica does not hold {@code db} within {@code timeout}, or a file is
   *     unreadable
   */
  public static Report verify(Path sourceFile, Optional<Path> dataDir, ReplicaView replica, String db, Duration timeout,
      Path workDir, int keep) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Report last = null;
    while (true) {
      boolean late = System.nanoTime() - deadline > 0;
      Map<String, DatabaseStatus> dbs;
      try {
        dbs = replica.status().databases();
      } catch (java.io.UncheckedIOException e) {
        if (late) {
          throw e;
        }
        Thread.sleep(RETRY_MS); // a replica that is (re)starting: wait for it within the timeout
        continue;
      }
      DatabaseStatus s = dbs.get(db);
      if (s == null) {
        if (late) {
          throw new IllegalArgumentException("the replica holds no database '" + db + "' after " + timeout.toMillis()
              + " ms; it holds " + new TreeSet<>(dbs.keySet()));
        }
        Thread.sleep(RETRY_MS); // a replica that has not seen the database's first entry yet
        continue;
      }
      if (s.lsn() < 0 || (dataDir.isEmpty() && s.lagLsns() > 0 && !late)) {
        if (late) {
          throw new IllegalStateException("replica's database '" + db + "' is at LSN " + s.lsn() + " (state "
              + s.state().name().toLowerCase(java.util.Locale.ROOT) + s.reason().map(r -> ": " + r).orElse("")
              + ", newest LSN seen " + s.newestLsn() + ") after " + timeout.toMillis() + " ms: nothing to compare");
        }
        Thread.sleep(RETRY_MS);
        continue;
      }
      if (dataDir.isPresent()) {
        Path copy = workDir.resolve("walflow-verify-" + db + "-" + s.lsn() + ".db");
        try {
          Replay.toFile(dataDir.get(), db, OptionalLong.of(s.lsn()), copy, l -> { });
          last = compare(SourceDatabase.read(copy, false), replica, db, s.lsn(), s.lsn(), keep);
        } finally {
          for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
            Files.deleteIfExists(copy.resolveSibling(copy.getFileName() + suffix));
          }
        }
        if (last.consistent() || late) {
          return last;
        }
      } else {
        last = compare(SourceDatabase.read(sourceFile, true), replica, db, s.lsn(), -1, keep);
        if (last.equal() || late) {
          return last;
        }
        Thread.sleep(RETRY_MS);
      }
    }
  }

  /**
   * Compares {@code source} with the replica's database {@code db}, which must stay at LSN {@code
   * lsn} while it is read (else the report is not {@link Report#consistent()}).
   *
   * @param sourceLsn the source's LSN for the report (-1: a live file)
   */
  public static Report compare(Map<String, SourceDatabase.Table> source, ReplicaView replica, String db, long lsn,
      long sourceLsn, int keep) {
    List<Difference> kept = new ArrayList<>();
    long[] count = {0};
    long rows = 0;
    Set<String> replicaTables = replicaTables(replica, db);
    for (SourceDatabase.Table t : source.values()) {
      if (replicaTables != null && !replicaTables.contains(t.name())) {
        add(kept, count, keep, new Difference(Difference.Kind.MISSING_TABLE, t.name(), List.of(), Optional.empty(), Optional.empty()));
        continue;
      }
      Map<List<Value>, Map<String, Value>> left = new LinkedHashMap<>(t.rows());
      Optional<String> after = Optional.empty();
      do {
        RangeRead page;
        try {
          page = replica.scan(db, t.name(), after, PAGE);
        } catch (UnknownNameException e) {
          add(kept, count, keep, new Difference(Difference.Kind.MISSING_TABLE, t.name(), List.of(), Optional.empty(), Optional.empty()));
          left.clear();
          break;
        }
        if (page.lsn() != lsn) {
          return new Report(db, lsn, sourceLsn, source.size(), rows, count[0], kept, false);
        }
        for (int i = 0; i < page.rows().size(); i++) {
          List<Value> key = page.keys().get(i);
          Map<String, Value> row = page.rows().get(i);
          Map<String, Value> want = left.remove(key);
          rows++;
          if (want == null) {
            add(kept, count, keep, new Difference(Difference.Kind.EXTRA_ROW, t.name(), key, Optional.empty(), Optional.of(row)));
          } else if (!want.equals(row)) {
            add(kept, count, keep, new Difference(Difference.Kind.DIFFERENT_ROW, t.name(), key, Optional.of(want), Optional.of(row)));
          }
        }
        after = page.next();
      } while (after.isPresent());
      for (Map.Entry<List<Value>, Map<String, Value>> m : left.entrySet()) {
        rows++;
        add(kept, count, keep, new Difference(Difference.Kind.MISSING_ROW, t.name(), m.getKey(), Optional.of(m.getValue()), Optional.empty()));
      }
    }
    if (replicaTables != null) {
      for (String name : replicaTables) {
        if (!source.containsKey(name)) {
          add(kept, count, keep, new Difference(Difference.Kind.EXTRA_TABLE, name, List.of(), Optional.empty(), Optional.empty()));
        }
      }
    }
    DatabaseStatus now = replica.status().databases().get(db);
    if (now == null || now.lsn() != lsn) {
      // Tables that the replica created or dropped after the first look would be missed above.
      return new Report(db, lsn, sourceLsn, source.size(), rows, count[0], kept, false);
    }
    return new Report(db, lsn, sourceLsn, source.size(), rows, count[0], kept, true);
  }

  /** The replica's tables of {@code db} (from the 404 of a table no one has), or null if unknown. */
  private static Set<String> replicaTables(ReplicaView replica, String db) {
    try {
      replica.scan(db, PROBE, Optional.empty(), 1);
      return null;
    } catch (UnknownNameException e) {
      if (!e.kind().equals("table")) {
        throw new IllegalArgumentException("the replica holds no database '" + db + "'; it holds " + e.existing());
      }
      return new TreeSet<>(e.existing());
    }
  }

  private static void add(List<Difference> kept, long[] count, int keep, Difference d) {
    count[0]++;
    if (kept.size() < keep) {
      kept.add(d);
    }
  }
}
