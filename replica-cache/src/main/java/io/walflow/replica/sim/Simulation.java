package io.walflow.replica.sim;

import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.change.Column;
import io.walflow.ingest.change.Op;
import io.walflow.ingest.change.RowChange;
import io.walflow.ingest.change.SchemaChange;
import io.walflow.ingest.change.SchemaOp;
import io.walflow.ingest.change.Value;
import io.walflow.ingest.feed.TransactionSink;
import io.walflow.replica.ApplyState;
import io.walflow.replica.DatabaseStatus;
import io.walflow.replica.Freshness;
import io.walflow.replica.RangeRead;
import io.walflow.replica.Replica;
import io.walflow.replica.ReplicaConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A deterministic simulation of the ordered log and one replica, driven from a seed in one thread:
 * a random workload of transactions over a rowid table appended to the log (with resynchronisation
 * snapshots now and then), delivered to a real {@link Replica} (RocksDB, applier) through a
 * channel that duplicates, reorders and drops entries; the replica is restarted (closed and
 * reopened from its RocksDB) or rebuilt from scratch at random steps, and the log's start is
 * removed by "retention" so that a repair must bootstrap from the newest snapshot. A gap the
 * replica reports is repaired as the replica's gap repair does: the missing range from the log,
 * or the newest snapshot when the range is gone.
 *
 * <p>After every step: the replica's LSN is at most the log's last, and its rows are exactly the
 * truth at its LSN (no loss, no duplicate, atomic transactions). At the end the faults stop, every
 * entry is delivered, and the replica must converge to the truth at the last LSN. The truth is
 * the workload's own model of the table (not SQLite: the end-to-end tests with SQLite as the
 * oracle are {@code VerifyTest}, {@code GapRepairTest}, {@code ProcessChaosTest}).
 */
public final class Simulation {
  private static final String DB = "app";
  private static final String TABLE = "t";
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final SchemaChange CREATE = new SchemaChange(TABLE, SchemaOp.CREATE_TABLE,
      "CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER)",
      List.of(Column.of("id", "INTEGER", 1, false), Column.of("v", "INTEGER", 0, false)), Optional.empty());

  /** What one seed did. */
  public record Result(long seed, int steps, int faults, long lastLsn, long replicaLsn, int restarts, int repairs,
      int resnapshots) {}

  /** An invariant did not hold; the message names the seed, the step and what differed. */
  public static final class InvariantViolation extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvariantViolation(String message) {
      super(message);
    }
  }

  /** One entry of the simulated log. */
  private record Entry(long lsn, boolean snapshot, ChangeSet changes, TreeMap<Long, Long> rows) {}

  private final long seed;
  private final Random random;
  private final Path dir;
  private final List<Entry> log = new ArrayList<>();
  /** The truth: the table's rows after each LSN. */
  private final List<TreeMap<Long, Long>> truth = new ArrayList<>();
  /** Index in {@link #log} of its first entry still held (retention removes the ones before). */
  private int logStart;
  private final Deque<Entry> channel = new ArrayDeque<>();
  private Replica replica;
  private int step;
  private int faults;
  private int restarts;
  private int repairs;
  private int resnapshots;
  private long nextId = 1;

  private Simulation(long seed, Path dir) {
    this.seed = seed;
    this.random = new Random(seed);
    this.dir = dir;
  }

  /**
   * Runs seed {@code seed} in {@code dir} (a fresh directory of its own).
   *
   * @throws InvariantViolation naming the seed when an invariant fails
   */
  public static Result run(long seed, Path dir, int steps) {
    Simulation s = new Simulation(seed, dir);
    try {
      return s.run(steps);
    } finally {
      if (s.replica != null) {
        s.replica.close();
      }
    }
  }

  private Result run(int steps) {
    append(true, new TreeMap<>());
    replica = open();
    for (step = 1; step <= steps; step++) {
      int action = random.nextInt(100);
      if (action < 45) {
        appendCommit();
      } else if (action < 75) {
        deliverOne(true);
      } else if (action < 78) {
        faults++;
        replica.close();
        replica = open(); // a crash and restart: what RocksDB acknowledged survives
        restarts++;
      } else if (action < 79) {
        faults++;
        replica.close();
        deleteTree(dir.resolve("replica"));
        replica = open(); // a rebuilt replica: bootstraps from the newest snapshot
        deliver(newestSnapshot());
        restarts++;
      } else if (action < 86) {
        append(true, new TreeMap<>(truth.get(truth.size() - 1))); // capture's resynchronisation snapshot
      } else if (action < 89 && log.size() - logStart > 4) {
        faults++;
        int newest = newestSnapshotIndex();
        logStart = Math.max(logStart, Math.min(newest, logStart + 1 + random.nextInt(3))); // retention
      } else {
        deliverOne(false);
      }
      repairIfGap();
      check("after step " + step);
    }
    // Faults stop: deliver everything, repair, converge.
    while (!channel.isEmpty()) {
      deliverOne(false);
      repairIfGap();
      check("while converging");
    }
    repairIfGap();
    long last = log.get(log.size() - 1).lsn();
    if (replicaLsn() != last) {
      // Entries dropped at the very end leave no later entry to reveal the gap: the source's end is known.
      repairRange(replicaLsn() + 1, last);
    }
    check("at the end");
    if (replicaLsn() != last) {
      throw violation("did not converge: replica at LSN " + replicaLsn() + ", log at " + last);
    }
    return new Result(seed, steps, faults, last, replicaLsn(), restarts, repairs, resnapshots);
  }

  private long replicaLsn() {
    return replica.databases().contains(DB) ? replica.lsn(DB) : -1;
  }

  private Replica open() {
    return Replica.open(ReplicaConfig.of("sim", dir.resolve("replica")).withCacheRows(64));
  }

  private void appendCommit() {
    TreeMap<Long, Long> rows = new TreeMap<>(truth.get(truth.size() - 1));
    List<RowChange> changes = new ArrayList<>();
    int n = 1 + random.nextInt(3);
    for (int i = 0; i < n; i++) {
      int kind = rows.isEmpty() ? 0 : random.nextInt(3);
      if (kind == 0) {
        long id = nextId++;
        long v = random.nextInt(1000);
        rows.put(id, v);
        changes.add(change(Op.INSERT, id, null, v));
      } else {
        long id = pick(rows);
        long before = rows.get(id);
        if (kind == 1) {
          long v = random.nextInt(1000);
          rows.put(id, v);
          changes.add(change(Op.UPDATE, id, before, v));
        } else {
          rows.remove(id);
          changes.add(change(Op.DELETE, id, before, null));
        }
      }
    }
    Entry e = new Entry(log.size(), false, new ChangeSet(List.of(), changes), null);
    log.add(e);
    truth.add(rows);
    enqueue(e);
  }

  private void append(boolean snapshot, TreeMap<Long, Long> rows) {
    Entry e = new Entry(log.size(), snapshot, null, rows);
    log.add(e);
    truth.add(rows);
    enqueue(e);
  }

  /** Into the channel, with the transport's faults: lost, duplicated. */
  private void enqueue(Entry e) {
    int f = random.nextInt(100);
    if (f < 5) {
      faults++; // dropped in transit
      return;
    }
    channel.addLast(e);
    if (f < 10) {
      faults++;
      channel.addLast(e); // duplicated
    }
  }

  /** Delivers the next entry; with {@code faulty}, sometimes one overtaking it (reordered). */
  private void deliverOne(boolean faulty) {
    if (channel.isEmpty()) {
      return;
    }
    Entry e = channel.pollFirst();
    if (faulty && !channel.isEmpty() && random.nextInt(10) == 0) {
      faults++;
      Entry later = channel.pollFirst();
      channel.addFirst(e);
      e = later;
    }
    deliver(e);
  }

  private void deliver(Entry e) {
    TransactionSink sink = replica.sink();
    Instant at = T0.plusMillis(e.lsn());
    if (e.snapshot()) {
      sink.snapshotBegin(DB, e.lsn(), at);
      sink.snapshotChange(DB, e.lsn(), CREATE);
      e.rows().forEach((id, v) -> sink.snapshotChange(DB, e.lsn(), change(Op.INSERT, id, null, v)));
      sink.snapshotEnd(DB, e.lsn());
    } else {
      sink.commit(DB, e.lsn(), at, e.changes());
    }
  }

  /** What the replica's gap repair does: the missing range from the log, or the newest snapshot. */
  private void repairIfGap() {
    if (!replica.databases().contains(DB)) {
      return;
    }
    DatabaseStatus s = replica.status(DB);
    if (s.state() == ApplyState.GAP) {
      repairRange(s.lsn() + 1, gapEnd(s));
    }
  }

  private long gapEnd(DatabaseStatus s) {
    // "gap: LSN n arrived after LSN w (missing w+1..n-1)": the entry that revealed it is n.
    String r = s.reason().orElseThrow();
    int at = r.indexOf("..");
    int close = r.indexOf(')', at);
    return Long.parseLong(r.substring(at + 2, close));
  }

  private void repairRange(long from, long to) {
    if (from > to) {
      return;
    }
    if (from < logStart) {
      resnapshots++;
      deliver(newestSnapshot());
      for (int i = newestSnapshotIndex() + 1; i < log.size(); i++) {
        deliver(log.get(i));
      }
      return;
    }
    repairs++;
    for (long l = from; l <= to; l++) {
      deliver(log.get((int) l));
    }
  }

  private int newestSnapshotIndex() {
    for (int i = log.size() - 1; i >= logStart; i--) {
      if (log.get(i).snapshot()) {
        return i;
      }
    }
    throw violation("retention removed every snapshot");
  }

  private Entry newestSnapshot() {
    return log.get(newestSnapshotIndex());
  }

  /** The invariants: LSN within the log, rows exactly the truth at that LSN, never stopped. */
  private void check(String when) {
    if (!replica.databases().contains(DB)) {
      return; // nothing applied yet (a rebuilt replica before its snapshot)
    }
    DatabaseStatus s = replica.status(DB);
    if (s.state() == ApplyState.STOPPED) {
      throw violation(when + ": the database stopped: " + s.reason().orElse(""));
    }
    long lsn = s.lsn();
    if (lsn < 0) {
      return;
    }
    if (lsn >= log.size()) {
      throw violation(when + ": replica at LSN " + lsn + " beyond the log's last " + (log.size() - 1));
    }
    TreeMap<Long, Long> actual = new TreeMap<>();
    Optional<String> after = Optional.empty();
    do {
      RangeRead page = replica.scan(DB, TABLE, after, 1000, Freshness.ANY);
      if (page.lsn() != lsn) {
        throw violation(when + ": a scan at LSN " + page.lsn() + " while the status said " + lsn);
      }
      for (Map<String, Value> row : page.rows()) {
        long id = ((io.walflow.ingest.change.IntegerValue) row.get("id")).value();
        long v = ((io.walflow.ingest.change.IntegerValue) row.get("v")).value();
        if (actual.put(id, v) != null) {
          throw violation(when + ": row " + id + " twice");
        }
      }
      after = page.next();
    } while (after.isPresent());
    TreeMap<Long, Long> expected = truth.get((int) lsn);
    if (!actual.equals(expected)) {
      throw violation(when + ": at LSN " + lsn + " the replica holds " + actual + ", the truth is " + expected);
    }
  }

  private InvariantViolation violation(String what) {
    return new InvariantViolation("seed " + seed + ", step " + step + ": " + what
        + " (replay it: walflow simulate --seed " + seed + ")");
  }

  private long pick(TreeMap<Long, Long> rows) {
    int i = random.nextInt(rows.size());
    return rows.keySet().stream().skip(i).findFirst().orElseThrow();
  }

  private static RowChange change(Op op, long id, Long before, Long after) {
    return new RowChange(TABLE, op, OptionalLong.of(id), Map.of("id", Value.of(id)),
        before == null ? Map.of() : Map.of("id", Value.of(id), "v", Value.of(before)),
        after == null ? Map.of() : Map.of("id", Value.of(id), "v", Value.of(after)));
  }

  /** Deletes {@code dir} and everything in it. */
  public static void deleteTree(Path dir) {
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
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
