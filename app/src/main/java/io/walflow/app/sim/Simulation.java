package io.walflow.app.sim;

import io.walflow.replica.ApplyState;
import io.walflow.ingest.DigestSettings;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.digest.DigestEntry;
import io.walflow.ingest.log.EntryCodec;
import io.walflow.replica.DatabaseStatus;
import io.walflow.replica.DivergenceStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.regex.Pattern;

/**
 * The deterministic simulation, driven from a seed in one thread: a random SQLite workload
 * ({@link SqliteWorkload}) captured by walflow's real capture, stepped ({@link CapturedSource}),
 * its log entries carried to a real RocksDB replica over a faulty {@link Transport} and read in
 * order by incremental views ({@link ViewsUnderTest}), with capture crashes, replica restarts,
 * rebuilds and power losses, view engine restarts, log retention racing repairs — each step one
 * {@link Action}. A gap the replica reports is repaired as the replica's gap repair does: the
 * missing range from the log, or the newest snapshot when retention removed it.
 *
 * <p>After every step: capture's LSNs are dense; the replica is not stopped, is at most at the
 * log's last LSN, and its rows are exactly SQLite's rows at its LSN (no loss, no duplicate, all of
 * a transaction or none); every view's rows are SQLite's answer to its SQL at the view's LSN. At
 * the end the faults stop, everything is delivered and repaired, and
 * the replica must equal SQLite at the last LSN. Every event goes into a {@link Trace}, whose
 * digest two runs of a seed must share.
 */
public final class Simulation {
  /**
   * What a step does, with its weight (out of the sum of all weights). A new fault is one more
   * constant here and one more case in {@link #step}.
   */
  enum Action {
    WRITE(30), ALTER(1), APP_CHECKPOINT(4), CAPTURE(22), DELIVER(22), DELIVER_REORDERED(10), CAPTURE_CRASH(1),
    REPLICA_RESTART(1), REPLICA_REBUILD(1), REPLICA_SYNC(2), REPLICA_POWER_LOSS(2), REPLICA_PARTITIONED(2),
    VIEWS_RESTART(1), RETENTION(5), REPLICA_STORE_DAMAGE(2), APPLY_DROPS_CHANGE(2);

    final int weight;

    Action(int weight) {
      this.weight = weight;
    }

    static final int TOTAL = java.util.Arrays.stream(values()).mapToInt(a -> a.weight).sum();

    static Action pick(Random random) {
      int r = random.nextInt(TOTAL);
      for (Action a : values()) {
        if ((r -= a.weight) < 0) {
          return a;
        }
      }
      throw new AssertionError();
    }
  }

  /** What one seed did; {@code trace} is the digest of its events (equal for two runs of a seed). */
  public record Result(long seed, int steps, int faults, long lastLsn, int captureCrashes, int replicaRestarts,
      int powerLosses, int rejectedEntries, int repairs, int resnapshots, int storeDamages, int droppedChanges,
      String trace) {}

  /** An invariant did not hold; the message names the seed, the step, what differed and the recent events. */
  public static final class InvariantViolation extends RuntimeException {
    private static final long serialVersionUID = 1L;

    InvariantViolation(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final long seed;
  private final Path dir;
  private static final Pattern CHECKSUMS =
      Pattern.compile("CRC-32C stored \\p{XDigit}{8}, computed \\p{XDigit}{8}");

  private final Random random;
  private final Trace trace = new Trace();
  private final Transport transport;
  private CapturedSource source;
  private ReplicaUnderTest replica;
  private ViewsUnderTest views;
  private int step;
  private int faults;
  private int captureCrashes;
  private int replicaRestarts;
  private int powerLosses;
  private int repairs;
  private int resnapshots;
  private int digestEvery;
  /** The last digest set delivered had an unverified table (its sums unknown to capture until a snapshot). */
  private boolean unverified;
  /** At the end, the most commits written to reach capture's next snapshot (it comes every snapshotEvery log bytes). */
  private static final int MAX_COMMITS_TO_SNAPSHOT = 3000;
  /** A fault left the replica's rows unlike SQLite's until divergence repair finds it (set by damage, cleared on agreement). */
  private boolean diverged;
  /** The replica had diverged when it was last synced: a power loss brings that back. */
  private boolean divergedAtSync;
  private int storeDamages;
  private int droppedChanges;

  private Simulation(long seed, Path dir) {
    this.seed = seed;
    this.dir = dir;
    // java.util.Random's first draws are nearly equal for consecutive seeds (S, S+1, … as --seeds
    // runs them): mix the seed first so that neighbouring seeds get unrelated runs.
    this.random = new Random(new java.util.SplittableRandom(seed).nextLong());
    this.transport = new Transport(random, trace);
  }

  /**
   * Runs seed {@code seed} for {@code steps} steps in {@code dir} (a fresh directory of its own,
   * left for the caller to delete).
   *
   * @throws InvariantViolation naming the seed and the step when an invariant fails
   */
  public static Result run(long seed, Path dir, int steps) {
    Simulation s = new Simulation(seed, dir);
    try {
      Files.createDirectories(dir);
      SqliteWorkload sqlite = new SqliteWorkload(dir.resolve("app.db"), s.random);
      try (sqlite) {
        // Frequent retention snapshots let retention race repairs; rare ones keep seeds fast.
        long snapshotEvery = s.random.nextBoolean() ? 4 << 10 : 64 << 10;
        s.trace.add(0, "capture snapshots every " + snapshotEvery + " log bytes");
        // Digest sets every few commits (a count, never a time: no clock in a seed), few buckets.
        s.digestEvery = 1 + s.random.nextInt(4);
        DigestSettings digests = new DigestSettings(s.digestEvery, java.time.Duration.ZERO, 1 << s.random.nextInt(5));
        s.trace.add(0, "capture digests " + digests);
        s.source = new CapturedSource(sqlite, dir.resolve("app.db"), dir.resolve("capture"), snapshotEvery, digests);
        s.replica = new ReplicaUnderTest(dir, dir.resolve("capture"));
        s.views = new ViewsUnderTest(dir);
        return s.run(steps);
      } finally {
        s.closeAll();
      }
    } catch (InvariantViolation e) {
      throw e;
    } catch (Exception | AssertionError e) {
      throw s.violation(e.toString(), e);
    }
  }

  private Result run(int steps) throws Exception {
    sendAll(source.captureStep()); // first capture: the snapshot at LSN 0
    for (step = 1; step <= steps; step++) {
      step(Action.pick(random));
      repairIfGap();
      check("after step " + step);
    }
    // Faults stop: capture what is left, deliver everything, repair, converge.
    sendAll(source.captureStep());
    while (!transport.isEmpty()) {
      deliver(transport.next(step, false));
      repairIfGap();
      check("while converging");
    }
    long last = source.lastLsn();
    if (replica.lsn() != last) {
      // Entries lost at the very end leave no later entry to reveal the gap: the log's end is known.
      trace.add(step, "end: replica at " + replica.lsn() + ", log at " + last + ": repair");
      repair(replica.lsn() + 1, last);
    }
    check("at the end");
    if (replica.lsn() != last) {
      throw violation("did not converge: replica at LSN " + replica.lsn() + ", log at " + last, null);
    }
    // Rows damaged or a change dropped: the next digest set, at the latest after digestEvery more
    // commits, must find and repair it (fault-free from here, every digest set is scrubbed). A table
    // whose digest capture no longer knows (ADD COLUMN with a default) is compared again only after
    // capture's next snapshot: commits go on until there is one.
    int limit = digestEvery;
    boolean waiting = false;
    for (int i = 0; diverged && i <= limit; i++) {
      if (unverified && !waiting) {
        waiting = true;
        limit = i + MAX_COMMITS_TO_SNAPSHOT;
        trace.add(step, "end: a table digest is unverified; commits until capture's next snapshot");
      } else if (waiting && !unverified) {
        waiting = false;
        limit = i + digestEvery;
      }
      trace.add(step, "end: " + source.write());
      for (Delivery d : source.captureStep()) {
        views.apply(d);
        deliver(d);
      }
      check("converging after divergence");
    }
    if (diverged) {
      throw violation("did not converge: the replica's rows still differ from SQLite's at LSN " + replica.lsn()
          + " after the commits of up to " + (digestEvery + 1) + " digest sets (every " + digestEvery + " commits)"
          + (unverified ? ", a table digest still unverified" : ""), null);
    }
    last = source.lastLsn();
    DivergenceStats dv = replica.status().divergence();
    trace.add(step, "divergence " + dv);
    trace.add(step, "converged at LSN " + last);
    return new Result(seed, steps, faults + transport.faults(), last, captureCrashes, replicaRestarts, powerLosses,
        replica.rejected(), repairs, resnapshots, storeDamages, droppedChanges, trace.digest());
  }

  private void step(Action a) throws Exception {
    switch (a) {
      case WRITE -> trace.add(step, source.write());
      case ALTER -> {
        String what = source.addColumn();
        if (what != null) {
          trace.add(step, what);
        }
      }
      case APP_CHECKPOINT -> trace.add(step, source.checkpoint());
      case CAPTURE -> {
        List<Delivery> appended = source.captureStep();
        trace.add(step, "capture appended " + appended);
        sendAll(appended);
      }
      case DELIVER -> deliver(transport.next(step, false));
      case DELIVER_REORDERED -> deliver(transport.next(step, true));
      case CAPTURE_CRASH -> {
        fault("capture crashed and restarted");
        source.crashCapture();
        captureCrashes++;
      }
      case REPLICA_RESTART -> {
        fault("replica crashed and restarted");
        replica.restart();
        replicaRestarts++;
      }
      case REPLICA_REBUILD -> {
        fault("replica rebuilt from nothing");
        replica.rebuild();
        divergedAtSync = false;
        diverged = replica.dropPending();
        replicaRestarts++;
        deliver(source.newestSnapshot()); // a new replica bootstraps from the newest snapshot
      }
      case REPLICA_SYNC -> {
        trace.add(step, "replica synced at LSN " + replica.lsn());
        replica.sync();
        divergedAtSync = diverged;
      }
      case REPLICA_POWER_LOSS -> {
        long before = replica.lsn();
        replica.powerLoss();
        diverged |= divergedAtSync; // a repair since the sync is lost with the other unsynced writes
        fault("replica power loss: LSN " + before + " -> " + replica.lsn());
        powerLosses++;
      }
      case REPLICA_PARTITIONED -> {
        int lost = transport.loseAll();
        fault("replica partitioned away: " + lost + " entries in transit lost");
      }
      case VIEWS_RESTART -> {
        views.close();
        views = new ViewsUnderTest(dir);
        List<Delivery> replayed = source.fromNewestSnapshot();
        fault("view engine crashed and restarted from the log: " + replayed);
        for (Delivery d : replayed) {
          views.apply(d);
        }
      }
      case RETENTION -> {
        int removed = source.retain(random.nextBoolean() ? 1 + random.nextInt(3) : Integer.MAX_VALUE);
        if (removed > 0) {
          fault("retention removed " + removed + " entries from the log's start");
        }
      }
      case REPLICA_STORE_DAMAGE -> {
        String what = replica.damageStore(random);
        if (what != null) {
          fault("replica store damaged outside the applier: " + what);
          storeDamages++;
          diverged = true;
        }
      }
      case APPLY_DROPS_CHANGE -> {
        fault("the replica's apply path will drop the first row change of its next commit");
        replica.dropNextChange();
        droppedChanges++;
        diverged = true;
      }
      default -> throw new AssertionError(a);
    }
  }

  /** New log entries: the views read them from the log, the replica gets them over the transport. */
  private void sendAll(List<Delivery> entries) throws Exception {
    for (Delivery d : entries) {
      views.apply(d);
      transport.send(step, d);
    }
  }

  private void deliver(Delivery d) {
    if (d == null) {
      return;
    }
    Optional<String> rejected = replica.deliver(d);
    if (rejected.isEmpty() && d.digest()) {
      LogEntry.Digest e = (LogEntry.Digest) EntryCodec.decode(java.nio.ByteBuffer.wrap(d.bytes()), 0, d.toString());
      DigestEntry body = DigestEntry.decode(e.body(), d.toString());
      if (body.tableIndex() == 0) {
        unverified = false;
      }
      unverified |= !body.verified();
    }
    // An entry holds its capture time, so the checksums a rejection names differ between two runs of
    // a seed: the trace keeps that the checksum failed, not its values.
    trace.add(step, "delivered " + d + rejected.map(r -> ": rejected (" + CHECKSUMS.matcher(r).replaceAll("CRC-32C mismatch")
        + ")").orElse(""));
    if (rejected.isEmpty() && d.damage() != null) {
      throw violation(d + " was damaged in transit and still accepted", null);
    }
  }

  /** What the replica's gap repair does: the missing range from the log, or the newest snapshot. */
  private void repairIfGap() {
    OptionalLong end = replica.gapEnd();
    if (end.isPresent()) {
      repair(replica.lsn() + 1, end.getAsLong());
    }
  }

  private void repair(long from, long to) {
    if (from > to) {
      return;
    }
    if (source.removedByRetention(from)) {
      resnapshots++;
    } else {
      repairs++;
    }
    List<Delivery> entries = source.repair(from, to);
    trace.add(step, "repair " + from + ".." + to + " from the log: " + entries);
    for (Delivery d : entries) {
      deliver(d); // straight from the log: no transport faults
    }
  }

  /** The invariants (see the class comment). */
  private void check(String when) throws Exception {
    Map<String, List<String>> atViews = source.truthAt(views.lsn());
    for (String view : ViewsUnderTest.VIEWS.keySet()) {
      List<String> actual = views.rows(view);
      List<String> expected = atViews.get(SqliteWorkload.viewKey(view));
      if (!actual.equals(expected)) {
        throw violation(when + ": at LSN " + views.lsn() + " view " + view + " (" + ViewsUnderTest.VIEWS.get(view)
            + ") holds " + actual + ", SQLite answers " + expected, null);
      }
    }
    if (!replica.holds()) {
      return; // nothing applied yet (a rebuilt replica before its snapshot)
    }
    DatabaseStatus s = replica.status();
    if (s.state() == ApplyState.STOPPED) {
      throw violation(when + ": the replica stopped: " + s.reason().orElse(""), null);
    }
    long lsn = s.lsn();
    if (lsn < 0) {
      return;
    }
    if (lsn > source.lastLsn()) {
      throw violation(when + ": replica at LSN " + lsn + " beyond the log's last " + source.lastLsn(), null);
    }
    DivergenceStats dv = s.divergence();
    if (dv.bucketsRepaired() > dv.bucketsDiverged() || dv.bucketsDiverged() > dv.bucketsCompared()
        || dv.failures() > 0 || dv.ignored() > 0) {
      throw violation(when + ": inconsistent divergence counters " + dv, null);
    }
    Map<String, List<String>> expected = source.truthAt(lsn);
    boolean equal = true;
    for (String table : SqliteWorkload.TABLES) {
      List<String> actual = replica.rows(table, lsn);
      if (!actual.equals(expected.get(table))) {
        if (!diverged) {
          throw violation(when + ": at LSN " + lsn + " the replica's " + table + " holds " + actual
              + ", SQLite's holds " + expected.get(table), null);
        }
        equal = false;
      }
    }
    if (diverged && equal && !replica.dropPending()) {
      trace.add(step, "replica agrees with SQLite again at LSN " + lsn + " (" + dv + ")");
      diverged = false;
    }
  }

  private void fault(String what) {
    faults++;
    trace.add(step, "fault: " + what);
  }

  private InvariantViolation violation(String what, Throwable cause) {
    return new InvariantViolation("seed " + seed + ", step " + step + ": " + what
        + "\nrecent events (step: event):\n" + trace.recent()
        + "\nreplay it: walflow simulate --seed " + seed, cause);
  }

  private void closeAll() throws Exception {
    try {
      if (views != null) {
        views.close();
      }
      if (replica != null) {
        replica.close();
      }
    } finally {
      if (source != null) {
        source.close();
      }
    }
  }

  /**
   * A new temporary directory for seeds' files: in {@code /dev/shm} (memory) where there is one,
   * since every seed creates and deletes a SQLite file, a log and a RocksDB store.
   */
  public static Path workDir() throws java.io.IOException {
    Path shm = Path.of("/dev/shm");
    if (Files.isDirectory(shm) && Files.isWritable(shm)) {
      return Files.createTempDirectory(shm, "walflow-simulate");
    }
    return Files.createTempDirectory("walflow-simulate");
  }

  /** Deletes {@code dir} and everything in it. */
  public static void deleteTree(Path dir) {
    ReplicaUnderTest.deleteTree(dir);
  }
}
