package io.walflow.app.bench;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.DigestSettings;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.change.Value;
import io.walflow.replica.DivergenceStats;
import io.walflow.replica.Replica;
import io.walflow.replica.ReplicaConfig;
import io.walflow.replica.http.HttpSettings;
import io.walflow.replica.repair.LogRangeClient;
import io.walflow.replica.repair.LogRangeServer;
import io.walflow.replica.source.EntrySource;
import io.walflow.replica.source.LocalLogSource;
import io.walflow.replica.source.SourceItem;
import io.walflow.replica.store.KeyCodec;
import io.walflow.replica.store.ReplicaStore;
import io.walflow.replica.store.RowCodec;
import io.walflow.replica.store.StoreBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * {@code walflow bench --suite repair}: divergence repair (issue 5, "Benchmark") side by side with
 * a full resync of the same damaged replica, and the cost of maintaining digests at capture.
 *
 * <ol>
 *   <li>A database of {@value #ROWS} rows ({@code items(id INTEGER PRIMARY KEY, k INTEGER, v
 *       TEXT)}, about 70 bytes a row) is captured with digests of {@value #BUCKETS} buckets and
 *       applied by a replica. With the replica stopped, 0.1% of its rows, chosen at random, are
 *       damaged in its RocksDB (their text replaced by other text of the same length). The damaged
 *       rows' bytes are their correct keys and rows as the replica stores them.
 *   <li>Digest repair: the replica starts again and meets the digest entry that follows the last
 *       commit; from its start to the repair written (the scrub of its stored rows, the capture
 *       node rebuilding the buckets' rows from its log, the apply): time, and bytes fetched from
 *       the capture node (its bucket-rows answers). Then {@code walflow verify}'s comparison confirms
 *       the replica equals SQLite.
 *   <li>Full resync of a copy of the same damaged replica: the newest snapshot and what follows,
 *       fetched from the capture node's log endpoint and applied: time and bytes.
 *   <li>Digest maintenance at capture: a writer's one-row commits, as fast as it can for {@code
 *       --seconds}, with capture running with digests (every 1000 commits, 4096 buckets) and
 *       without, alternating: commits captured per second.
 * </ol>
 *
 * <p>Run with {@code ./walflow bench --suite repair}.
 */
final class RepairSuite implements Suite {
  static final int ROWS = 1_000_000;
  static final int BUCKETS = 1 << 20;
  static final double DAMAGED_SHARE = 0.001;
  private static final String DB = "app";

  @Override
  public String name() {
    return "repair";
  }

  @Override
  public String description() {
    return "divergence repair vs full resync of a replica with 0.1% of 1M rows damaged (bytes, time); "
        + "capture commits/s with and without digests";
  }

  @Override
  public List<Row> run(BenchSettings settings, Workspace workspace, Progress progress, Report report) throws Exception {
    List<Row> out = new ArrayList<>();
    Path dir = workspace.newDir("repair");
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("capture");
    Path replicaDir = dir.resolve("replica");
    Path copyDir = dir.resolve("replica-copy");
    progress.say("repair: writing %,d rows", ROWS);
    try (Connection w = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      fill(w);
      DigestSettings digests = new DigestSettings(1000, Duration.ofMillis(500), BUCKETS);
      try (Capture c = Capture.start(CaptureConfig.defaults(data).withDatabase(DB, db), digests);
          LogRangeServer server = LogRangeServer.start(data, HttpSettings.open(0))) {
        c.awaitDurable(DB, 0).get(10, TimeUnit.MINUTES);
        LogRangeClient client = new LogRangeClient(server.baseUrl(), Optional.empty());
        progress.say("repair: replica applying the snapshot");
        long lsn = 0;
        try (Replica r = Replica.open(ReplicaConfig.of("bench", replicaDir))) {
          r.start(new LocalLogSource(data), Optional.of(client));
          lsn = commit(w, c, ++lsn);
          r.awaitLsn(DB, lsn).get(10, TimeUnit.MINUTES);
          awaitStatus(r, s -> s.divergence().digestsCompared() >= 1, "a digest compared", 20);
        }
        progress.say("repair: damaging %.1f%% of the replica's rows", DAMAGED_SHARE * 100);
        long damagedBytes = damage(replicaDir, settings);
        copyTree(replicaDir, copyDir);

        progress.say("repair: digest repair");
        long repairNanos;
        DivergenceStats stats;
        try (Replica r = Replica.open(ReplicaConfig.of("bench", replicaDir))) {
          // The digest entry after the last commit is in the log already, and one more commit brings
          // another within half a second: the replica meets one of them at once.
          long t0 = System.nanoTime();
          r.start(new LocalLogSource(data), Optional.of(client));
          lsn = commit(w, c, ++lsn);
          // Polled every 5 ms: the bench times the repair to within 5 ms.
          awaitStatus(r, s -> s.divergence().bucketsRepaired() > 0, "a bucket repaired", 5);
          repairNanos = System.nanoTime() - t0;
          stats = r.status().databases().get(DB).divergence();
          progress.say("repair: checking the repaired replica against SQLite");
          var verified = io.walflow.replica.verify.Verifier.verify(db, Optional.of(data),
              io.walflow.replica.verify.ReplicaView.over(r), DB, Duration.ofMinutes(5), dir, 10);
          if (!verified.equal()) {
            throw new IllegalStateException("the repaired replica differs from SQLite: " + verified);
          }
        }
        double repairSeconds = repairNanos / 1e9;
        progress.say("repair: %d buckets diverged, %d repaired, %,d rows, %,d bytes fetched in %.2f s (damaged rows' bytes %,d)",
            stats.bucketsDiverged(), stats.bucketsRepaired(), stats.rowsRepaired(), stats.bytesMoved(), repairSeconds,
            damagedBytes);

        progress.say("repair: full resync of the same damaged replica");
        long t0 = System.nanoTime();
        LogRangeClient.Fetched snap = client.newestSnapshot(DB);
        long lastLsn = snap.entries().get(snap.entries().size() - 1).lsn();
        Path fresh = dir.resolve("replica-resync");
        try (Replica r = Replica.open(ReplicaConfig.of("bench", fresh))) {
          r.start(new ListSource(snap.entries()));
          r.awaitLsn(DB, lastLsn).get(10, TimeUnit.MINUTES);
        }
        double resyncSeconds = (System.nanoTime() - t0) / 1e9;
        progress.say("repair: full resync %,d bytes in %.2f s", snap.bytes(), resyncSeconds);
        String machine = "1M rows, " + (int) (ROWS * DAMAGED_SHARE) + " damaged at random, " + BUCKETS + " buckets; ";
        out.add(new Row("repair", "bytes moved: digest repair vs damaged rows' bytes", "bytes", stats.bytesMoved(),
            OptionalDouble.of(damagedBytes), new Goal.AtMost(2.0 * damagedBytes, "bytes", "issue 5: <= 2x damaged bytes"),
            List.of((double) stats.bytesMoved()), List.of((double) damagedBytes),
            machine + String.format(Locale.ROOT, "%d buckets diverged, %d repaired, %d rows written or deleted; ratio %.2f",
                stats.bucketsDiverged(), stats.bucketsRepaired(), stats.rowsRepaired(),
                stats.bytesMoved() / (double) damagedBytes), Optional.empty()));
        out.add(new Row("repair", "bytes moved: digest repair vs full resync", "bytes", stats.bytesMoved(),
            OptionalDouble.of(snap.bytes()), new Goal.None(), List.of((double) stats.bytesMoved()),
            List.of((double) snap.bytes()), machine + "full resync = newest snapshot fetched from the capture node's log",
            Optional.empty()));
        out.add(new Row("repair", "time: digest repair vs full resync", "s", repairSeconds, OptionalDouble.of(resyncSeconds),
            new Goal.None(), List.of(repairSeconds), List.of(resyncSeconds), machine
                + "repair: from the replica's start to the repair written (scrub of the stored rows, "
                + "capture node rebuilding the buckets' rows from its log, apply); resync: fetch and apply the snapshot",
            Optional.empty()));
      }
    }
    workspace.delete(dir);
    out.addAll(maintenance(settings, workspace, progress));
    return out;
  }

  private static void fill(Connection w) throws Exception {
    try (Statement s = w.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("CREATE TABLE items(id INTEGER PRIMARY KEY, k INTEGER, v TEXT)");
    }
    SplittableRandom rnd = new SplittableRandom(1);
    w.setAutoCommit(false);
    try (PreparedStatement p = w.prepareStatement("INSERT INTO items VALUES (?, ?, ?)")) {
      for (int i = 0; i < ROWS; i++) {
        p.setLong(1, i);
        p.setLong(2, rnd.nextInt(1_000_000));
        p.setString(3, text(rnd, 50 + rnd.nextInt(20)));
        p.addBatch();
        if (i % 10_000 == 9_999) {
          p.executeBatch();
        }
      }
      p.executeBatch();
    }
    w.commit();
    w.setAutoCommit(true);
  }

  private static String text(SplittableRandom rnd, int n) {
    char[] c = new char[n];
    for (int i = 0; i < n; i++) {
      c[i] = (char) ('a' + rnd.nextInt(26));
    }
    return new String(c);
  }

  /** One commit of a row outside the damaged ones; returns its LSN once durable. */
  private static long commit(Connection w, Capture c, long lsn) throws Exception {
    try (Statement s = w.createStatement()) {
      s.execute("INSERT OR REPLACE INTO items VALUES (" + (ROWS + lsn) + ", " + lsn + ", 'commit " + lsn + "')");
    }
    c.awaitDurable(DB, lsn).get(5, TimeUnit.MINUTES);
    return lsn;
  }

  /**
   * Waits, polling the replica's status of the database every {@code pollMillis} (the replica offers
   * no event for it), until {@code done} holds; at most 10 minutes.
   */
  private static void awaitStatus(Replica r, java.util.function.Predicate<io.walflow.replica.DatabaseStatus> done,
      String what, long pollMillis) {
    try {
      Awaitility.await(what).atMost(Duration.ofMinutes(10)).pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(pollMillis)).until(() -> done.test(r.status().databases().get(DB)));
    } catch (ConditionTimeoutException e) {
      throw new IllegalStateException("not " + what + " within 10 minutes: " + r.status().databases().get(DB), e);
    }
  }

  /** Replaces the text of 0.1% of the rows, at random; returns the correct rows' stored bytes (keys included). */
  private static long damage(Path replicaDir, BenchSettings settings) {
    SplittableRandom rnd = new SplittableRandom(2);
    long bytes = 0;
    try (ReplicaStore store = ReplicaStore.open(replicaDir.resolve("rocksdb"), false);
        StoreBatch b = store.batch()) {
      long table = store.load().get(0).tables().get("items").id();
      java.util.Set<Integer> ids = new java.util.HashSet<>();
      while (ids.size() < (int) (ROWS * DAMAGED_SHARE)) {
        ids.add(rnd.nextInt(ROWS));
      }
      for (int id : ids) {
        byte[] key = KeyCodec.rowid(id);
        byte[] row = store.get(table, key).orElseThrow();
        bytes += key.length + row.length;
        Value[] v = RowCodec.decode(row, "bench");
        String text = ((io.walflow.ingest.change.TextValue) v[2]).value();
        v[2] = Value.of(text(rnd, text.length()));
        b.putRow(table, key, RowCodec.encode(v));
      }
      store.write(b);
    }
    return bytes;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  /** Commits/s captured with and without digests, alternating rounds. */
  private static List<Row> maintenance(BenchSettings settings, Workspace workspace, Progress progress) throws Exception {
    List<Double> with = new ArrayList<>();
    List<Double> without = new ArrayList<>();
    int rounds = Math.max(3, settings.repeats());
    for (int i = 0; i < 2 * rounds; i++) {
      boolean digests = (i % 2 == 0) == (i / 2 % 2 == 0);
      Path dir = workspace.newDir("digest-cost-" + i);
      double rate = captureRate(dir, digests ? new DigestSettings(1000, Duration.ofSeconds(10), 4096) : DigestSettings.OFF,
          settings.seconds());
      (digests ? with : without).add(rate);
      progress.say("repair: capture %s digests: %,.0f commits/s", digests ? "with" : "without", rate);
      workspace.delete(dir);
    }
    double w = median(with);
    double wo = median(without);
    return List.of(new Row("repair", "capture with digests vs without (one-row commits)", "commits/s", w,
        OptionalDouble.of(wo), new Goal.None(), with, without,
        String.format(Locale.ROOT, "a writer's one-row commits as fast as it can for %d s into a 100,000-row table, "
            + "medians of %d alternating rounds; digests every 1000 commits, 4096 buckets", settings.seconds(), rounds),
        Optional.empty()));
  }

  private static double captureRate(Path dir, DigestSettings digests, int seconds) throws Exception {
    Path db = dir.resolve("w.db");
    try (Connection w = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      try (Statement s = w.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=OFF");
        s.execute("CREATE TABLE items(id INTEGER PRIMARY KEY, k INTEGER, v TEXT)");
        s.execute("WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999) "
            + "INSERT INTO items SELECT i, i, printf('%060d', i) FROM n");
      }
      try (Capture c = Capture.start(CaptureConfig.defaults(dir.resolve("capture")).withDatabase(DB, db), digests)) {
        c.awaitDurable(DB, 0).get(5, TimeUnit.MINUTES);
        SplittableRandom rnd = new SplittableRandom(3);
        long n = 0;
        long t0 = System.nanoTime();
        long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
        try (PreparedStatement p = w.prepareStatement("UPDATE items SET k = k + 1, v = ? WHERE id = ?")) {
          while (System.nanoTime() < end) {
            p.setString(1, text(rnd, 60));
            p.setLong(2, rnd.nextInt(100_000));
            p.executeUpdate();
            n++;
          }
        }
        c.awaitDurable(DB, n).get(5, TimeUnit.MINUTES);
        return n / ((System.nanoTime() - t0) / 1e9);
      }
    }
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  /** A source that delivers a fixed list of entries once (a fetched snapshot and what follows it). */
  private static final class ListSource implements EntrySource {
    private List<LogEntry> entries;

    ListSource(List<LogEntry> entries) {
      this.entries = entries;
    }

    @Override
    public void begin(boolean replicaEmpty) {}

    @Override
    public List<SourceItem> poll(Duration timeout) throws InterruptedException {
      if (entries == null) {
        Thread.sleep(timeout.toMillis()); // a source with nothing to give: poll waits its timeout, as Kafka's does
        return List.of();
      }
      List<SourceItem> out = new ArrayList<>();
      for (int i = 0; i < entries.size(); i++) {
        out.add(new SourceItem.Entry(entries.get(i), "fetched entry " + i, (long) i));
      }
      entries = null;
      return out;
    }

    @Override
    public void commit(Collection<Object> pending) {}

    @Override
    public Optional<List<LogEntry>> reread(String db, long fromLsn, long toLsn, Instant since, Object before) {
      return Optional.empty();
    }

    @Override
    public String describe() {
      return "fetched snapshot";
    }

    @Override
    public void close() {}
  }
}
