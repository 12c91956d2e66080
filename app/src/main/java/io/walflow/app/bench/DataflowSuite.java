package io.walflow.app.bench;

import io.walflow.dataflow.Dataflow;
import io.walflow.dataflow.DataflowConfig;
import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.change.Column;
import io.walflow.ingest.change.Op;
import io.walflow.ingest.change.RowChange;
import io.walflow.ingest.change.SchemaChange;
import io.walflow.ingest.change.SchemaOp;
import io.walflow.ingest.change.Value;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Random;

/**
 * {@code walflow bench --suite dataflow}: the incremental view engine against what a user does
 * without it (issue 6, "Benchmark" b–d; the Kafka Streams comparison is not measured here).
 *
 * <p>One change stream for both sides: table {@code t(id INTEGER PRIMARY KEY, k INTEGER, v
 * INTEGER)} with {@value #ROWS} rows over {@value #KEYS} keys, then single-row updates of {@code v}.
 * The engine receives the rows as a snapshot and the updates as commits; SQLite (in memory, index
 * on {@code k}) runs the same statements.
 *
 * <ol>
 *   <li>CPU per commit: walflow applying the commit to a full view {@code SELECT k, count(*),
 *       sum(v) FROM t WHERE k = ? GROUP BY k} vs SQLite applying the update and re-running {@code
 *       SELECT k, count(*), sum(v) FROM t GROUP BY k} (the whole view, as a user refreshing it
 *       would). Thread CPU time, µs per commit.
 *   <li>Read latency: a lookup of one key vs SQLite's prepared per-key query (median µs).
 *   <li>Memory of partial vs full state on a Zipf-skewed read workload (exponent {@value #ZIPF}),
 *       with the hit rate the partial engine reached (goal ≥ 95%).
 *   <li>Adding a view while commits flow: the longest commit of a running view while a full view
 *       sharing its aggregate is added over the rows, vs the add's duration.
 *   <li>Raw rate through filter → aggregate on one core: inserts in 1,000-row commits through
 *       {@code SELECT k, count(*), sum(v) FROM t WHERE v > 10 GROUP BY k} (base-table writes to
 *       RocksDB included); then the same on 2 worker threads vs 1 (median of 4 runs in alternating
 *       order after a warm-up).
 * </ol>
 *
 * <p>Run with {@code ./walflow bench --suite dataflow}.
 */
final class DataflowSuite implements Suite {
  private static final int ROWS = 100_000;
  private static final int KEYS = 10_000;
  private static final double ZIPF = 1.5;
  private static final String VIEW_SQL = "SELECT k, count(*), sum(v) FROM t WHERE k = ? GROUP BY k";
  private static final String ALL_SQL = "SELECT k, count(*), sum(v) FROM t GROUP BY k";

  @Override
  public String name() {
    return "dataflow";
  }

  @Override
  public String description() {
    return "incremental views vs re-running the query in SQLite; partial vs full memory; deltas/s";
  }

  private static final List<Column> COLUMNS = List.of(Column.of("id", "INTEGER", 1, false),
      Column.of("k", "INTEGER", 0, false), Column.of("v", "INTEGER", 0, false));

  private static Map<String, Value> row(long id, long k, long v) {
    return Map.of("id", Value.of(id), "k", Value.of(k), "v", Value.of(v));
  }

  private static RowChange insert(long id, long k, long v) {
    return new RowChange("t", Op.INSERT, OptionalLong.of(id), Map.of("rowid", Value.of(id)), Map.of(), row(id, k, v));
  }

  private static RowChange update(long id, long k, long oldV, long v) {
    return new RowChange("t", Op.UPDATE, OptionalLong.of(id), Map.of("rowid", Value.of(id)), row(id, k, oldV),
        row(id, k, v));
  }

  /** An engine holding the {@value #ROWS} rows (k = id % KEYS, v = id % 100) at LSN 0. */
  private static Dataflow loaded(Path dir, boolean partial) {
    Dataflow d = Dataflow.open(DataflowConfig.defaults(dir).withPartialState(partial));
    d.snapshotBegin("app", 0, Instant.EPOCH);
    d.snapshotChange("app", 0, new SchemaChange("t", SchemaOp.CREATE_TABLE,
        "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v INTEGER)", COLUMNS, Optional.empty()));
    for (long id = 1; id <= ROWS; id++) {
      d.snapshotChange("app", 0, insert(id, id % KEYS, id % 100));
    }
    d.snapshotEnd("app", 0);
    return d;
  }

  private static Connection sqlite() throws Exception {
    Connection c = DriverManager.getConnection("jdbc:sqlite::memory:");
    try (Statement st = c.createStatement()) {
      st.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v INTEGER)");
      st.execute("CREATE INDEX t_k ON t(k)");
      st.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + ROWS
          + ") INSERT INTO t SELECT i, i % " + KEYS + ", i % 100 FROM n");
    }
    return c;
  }

  @Override
  public List<Row> run(BenchSettings settings, Workspace workspace, Progress progress, Report report)
      throws Exception {
    List<Row> rows = new ArrayList<>();
    ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
    Random random = new Random(42);
    int commits = 5_000;
    long[] ids = new long[commits];
    long[] values = new long[commits];
    for (int i = 0; i < commits; i++) {
      ids[i] = 1 + random.nextInt(ROWS);
      values[i] = random.nextInt(1000);
    }

    progress.say("dataflow: loading %,d rows into a full engine and into SQLite", ROWS);
    double walflowCpu;
    double walflowRead;
    long fullBytes;
    try (Dataflow d = loaded(workspace.newDir("dataflow-full"), false); Connection db = sqlite()) {
      d.createView("v", VIEW_SQL);
      long[] current = new long[ROWS + 1];
      for (int id = 1; id <= ROWS; id++) {
        current[id] = id % 100;
      }
      long start = cpu.getCurrentThreadCpuTime();
      for (int i = 0; i < commits; i++) {
        long id = ids[i];
        d.commit("app", i + 1, Instant.EPOCH, new ChangeSet(List.of(),
            List.of(update(id, id % KEYS, current[(int) id], values[i]))));
        current[(int) id] = values[i];
      }
      walflowCpu = (cpu.getCurrentThreadCpuTime() - start) / 1e3 / commits;
      walflowRead = medianMicros(20_000, i -> d.lookup("v", List.of(Value.of((long) random.nextInt(KEYS))), 0,
          Duration.ofSeconds(1)));
      fullBytes = d.stateBytes();

      int sqliteCommits = 200;
      start = cpu.getCurrentThreadCpuTime();
      try (PreparedStatement upd = db.prepareStatement("UPDATE t SET v = ? WHERE id = ?");
          PreparedStatement all = db.prepareStatement(ALL_SQL)) {
        for (int i = 0; i < sqliteCommits; i++) {
          upd.setLong(1, values[i]);
          upd.setLong(2, ids[i]);
          upd.executeUpdate();
          try (ResultSet rs = all.executeQuery()) {
            while (rs.next()) {
              rs.getLong(3);
            }
          }
        }
      }
      double sqliteCpu = (cpu.getCurrentThreadCpuTime() - start) / 1e3 / sqliteCommits;
      double sqliteRead;
      try (PreparedStatement one = db.prepareStatement(VIEW_SQL)) {
        sqliteRead = medianMicros(20_000, i -> {
          one.setLong(1, random.nextInt(KEYS));
          try (ResultSet rs = one.executeQuery()) {
            while (rs.next()) {
              rs.getLong(3);
            }
          }
          return null;
        });
      }
      rows.add(new Row("dataflow", "CPU per single-row commit: incremental view vs SQLite update + re-running the "
          + "grouped query (" + ROWS + " rows, " + KEYS + " groups)", "µs/commit", walflowCpu,
          OptionalDouble.of(sqliteCpu), new Goal.None(), List.of(walflowCpu), List.of(sqliteCpu),
          commits + " walflow commits, " + sqliteCommits + " SQLite commits, thread CPU time", Optional.empty()));
      rows.add(new Row("dataflow", "read latency of one key: view lookup vs SQLite per-key query (index on k)",
          "µs (median)", walflowRead, OptionalDouble.of(sqliteRead), new Goal.None(), List.of(walflowRead),
          List.of(sqliteRead), "20,000 random keys each", Optional.empty()));
    }

    progress.say("dataflow: partial state under Zipf-skewed reads");
    try (Dataflow d = loaded(workspace.newDir("dataflow-partial"), true)) {
      d.createView("v", VIEW_SQL);
      int lookups = 100_000;
      double[] cdf = zipfCdf(KEYS, ZIPF);
      for (int i = 0; i < lookups; i++) {
        int key = Arrays.binarySearch(cdf, random.nextDouble());
        key = key < 0 ? -key - 1 : key;
        d.lookup("v", List.of(Value.of((long) Math.min(key, KEYS - 1))), 0, Duration.ofSeconds(1));
      }
      double hitRate = 100.0 * (lookups - d.upqueries()) / lookups;
      long partialBytes = d.stateBytes();
      rows.add(new Row("dataflow", String.format(java.util.Locale.ROOT, "state memory, partial vs full, Zipf %.1f "
          + "reads over %,d keys (hit rate %.1f%%)", ZIPF, KEYS, hitRate), "bytes", partialBytes,
          OptionalDouble.of(fullBytes), new Goal.None(), List.of((double) partialBytes), List.of((double) fullBytes),
          String.format(java.util.Locale.ROOT, "%,d lookups, %,d upqueries, hit rate %.2f%% (goal >= 95%%); "
              + "estimated heap bytes of operator state", lookups, d.upqueries(), hitRate), hitRate >= 95
              ? Optional.empty() : Optional.of("hit rate " + hitRate + "% below 95%")));
    }

    rows.add(kafkaStreamsComparison(workspace, progress));
    rows.add(migrationStall(workspace, progress));

    progress.say("dataflow: deltas/s through filter -> aggregate on one core, then on 1 vs 2 worker threads");
    int batch = 1_000;
    int total = 400_000;
    List<ChangeSet> sets = new ArrayList<>();
    for (int b = 0; b < total / batch; b++) {
      List<RowChange> changes = new ArrayList<>(batch);
      for (int i = 0; i < batch; i++) {
        long id = (long) b * batch + i + 1;
        changes.add(insert(id, random.nextInt(KEYS), random.nextInt(100)));
      }
      sets.add(new ChangeSet(List.of(), changes));
    }
    double rate = rawRate(workspace, 1, sets);
    rows.add(new Row("dataflow", "deltas/s through filter -> aggregate, one core, 1,000-row commits (RocksDB "
        + "base writes included)", "deltas/s", rate, OptionalDouble.empty(), new Goal.None(), List.of(rate),
        List.of(), total + " inserts", Optional.empty()));
    rawRate(workspace, 2, sets); // warm-up of the sharded path, not counted
    List<Double> one = new ArrayList<>();
    List<Double> two = new ArrayList<>();
    for (int r = 0; r < 4; r++) {
      // alternate which goes first, so a load that changes during the runs favours neither
      if (r % 2 == 0) {
        one.add(rawRate(workspace, 1, sets));
        two.add(rawRate(workspace, 2, sets));
      } else {
        two.add(rawRate(workspace, 2, sets));
        one.add(rawRate(workspace, 1, sets));
      }
    }
    rows.add(new Row("dataflow", "deltas/s through filter -> aggregate, 2 worker threads (sharded by group) vs 1, "
        + "1,000-row commits", "deltas/s", median(two), OptionalDouble.of(median(one)), new Goal.None(), two, one,
        "median of 4 runs in alternating order after a warm-up; " + Runtime.getRuntime().availableProcessors()
        + " processors, shared with whatever else runs", Optional.empty()));
    return rows;
  }

  /**
   * A full view sharing the aggregate of a running full view is added over the {@value #ROWS} rows
   * while another thread commits single-row updates as fast as it can: the longest commit during the
   * add (the other views' stall) vs how long the add took (what building it under the transaction
   * lock would have stalled them).
   */
  private static Row migrationStall(Workspace workspace, Progress progress) throws Exception {
    progress.say("dataflow: commits of a running view while a full view over " + ROWS + " rows is added");
    try (Dataflow d = loaded(workspace.newDir("dataflow-migration"), false)) {
      d.createView("running", ALL_SQL);
      long[] values = new long[ROWS + 1];
      for (int id = 1; id <= ROWS; id++) {
        values[id] = id % 100;
      }
      java.util.concurrent.atomic.AtomicBoolean adding = new java.util.concurrent.atomic.AtomicBoolean();
      java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
      List<Long> during = java.util.Collections.synchronizedList(new ArrayList<>());
      Random random = new Random(7);
      Thread feeder = new Thread(() -> {
        long lsn = 0;
        while (!stop.get()) {
          int id = 1 + random.nextInt(ROWS);
          long v = random.nextInt(100);
          boolean before = adding.get();
          long t0 = System.nanoTime();
          d.commit("app", ++lsn, Instant.EPOCH,
              new ChangeSet(List.of(), List.of(update(id, id % KEYS, values[id], v))));
          long took = System.nanoTime() - t0;
          values[id] = v;
          if (before && adding.get()) {
            during.add(took);
          }
        }
      }, "bench-migration-feeder");
      feeder.start();
      Thread.sleep(500); // the running view's commits reach a steady rate before the add is timed
      adding.set(true);
      long t0 = System.nanoTime();
      d.createView("added", ALL_SQL + " HAVING count(*) > 5");
      double addMs = (System.nanoTime() - t0) / 1e6;
      adding.set(false);
      stop.set(true);
      feeder.join();
      double maxMs = during.stream().mapToLong(Long::longValue).max().orElse(0) / 1e6;
      return new Row("dataflow", "longest commit of a running view while a full view sharing its aggregate is added "
          + "over " + String.format(java.util.Locale.ROOT, "%,d", ROWS) + " rows (off the lock) vs the time the add "
          + "took (a backfill under the lock would stall commits that long)", "ms", maxMs, OptionalDouble.of(addMs),
          new Goal.None(), List.of(maxMs), List.of(addMs), during.size() + " commits applied during the add",
          during.isEmpty() ? Optional.of("no commit completed during the add") : Optional.empty());
    }
  }

  /** Deltas/s of {@code sets} committed to a full filter → aggregate view on {@code threads} workers. */
  private static double rawRate(Workspace workspace, int threads, List<ChangeSet> sets) throws Exception {
    try (Dataflow d = Dataflow.open(DataflowConfig.defaults(workspace.newDir("dataflow-rate"))
        .withPartialState(false).withWorkerThreads(threads))) {
      d.snapshotBegin("app", 0, Instant.EPOCH);
      d.snapshotChange("app", 0, new SchemaChange("t", SchemaOp.CREATE_TABLE, "CREATE TABLE t(...)", COLUMNS,
          Optional.empty()));
      d.snapshotEnd("app", 0);
      d.createView("agg", "SELECT k, count(*), sum(v) FROM t WHERE v > 10 GROUP BY k");
      long deltas = 0;
      long t0 = System.nanoTime();
      for (int b = 0; b < sets.size(); b++) {
        d.commit("app", b + 1, Instant.EPOCH, sets.get(b));
        deltas += sets.get(b).rowChanges().size();
      }
      return deltas / ((System.nanoTime() - t0) / 1e9);
    }
  }

  /**
   * The same change stream of a table t(id, k, v) — inserts, updates that move rows between groups,
   * deletes; one row per transaction — through Kafka Streams' KTable groupBy/aggregate into RocksDB
   * ({@link KafkaStreamsAggregation}, in-process, no broker) and through walflow's full-state view
   * {@code SELECT k, count(*), sum(v) FROM t GROUP BY k}. Both end states are compared with each
   * other and with a recomputation, so a fast wrong answer cannot win.
   */
  private static Row kafkaStreamsComparison(Workspace workspace, Progress progress) throws Exception {
    int changes = 150_000;
    Random random = new Random(7);
    record Change(long id, long k, long v, long oldK, long oldV, Op op) {}
    List<Change> stream = new ArrayList<>(changes);
    Map<Long, long[]> table = new java.util.HashMap<>();
    long nextId = 1;
    while (stream.size() < changes) {
      int dice = random.nextInt(10);
      if (dice < 6 || table.size() < 100) {
        long id = nextId++;
        long k = random.nextInt(KEYS);
        long v = random.nextInt(100);
        table.put(id, new long[] {k, v});
        stream.add(new Change(id, k, v, 0, 0, Op.INSERT));
      } else {
        long id = 1 + random.nextInt((int) (nextId - 1));
        long[] old = table.get(id);
        if (old == null) {
          continue;
        }
        if (dice < 9) {
          long k = random.nextInt(KEYS);
          long v = random.nextInt(100);
          table.put(id, new long[] {k, v});
          stream.add(new Change(id, k, v, old[0], old[1], Op.UPDATE));
        } else {
          table.remove(id);
          stream.add(new Change(id, 0, 0, old[0], old[1], Op.DELETE));
        }
      }
    }
    Map<Long, long[]> expected = new java.util.HashMap<>();
    table.values().forEach(r -> expected.merge(r[0], new long[] {1, r[1]}, (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]}));

    List<Double> walflowRuns = new ArrayList<>();
    List<Double> streamsRuns = new ArrayList<>();
    for (int repeat = 0; repeat < 3; repeat++) {
      progress.say("dataflow: %,d changes through Kafka Streams (KTable aggregate, RocksDB), repeat %d", changes, repeat + 1);
      try (KafkaStreamsAggregation ks = new KafkaStreamsAggregation(workspace.newDir("kstreams-" + repeat))) {
        long t0 = System.nanoTime();
        for (Change c : stream) {
          ks.change(c.id(), c.op() == Op.DELETE ? null : new KafkaStreamsAggregation.Vote(c.k(), c.v()));
        }
        streamsRuns.add(changes / ((System.nanoTime() - t0) / 1e9));
        Map<Long, KafkaStreamsAggregation.Totals> got = new java.util.HashMap<>(ks.totals());
        got.values().removeIf(t -> t.count() == 0);
        if (got.size() != expected.size() || expected.entrySet().stream().anyMatch(e -> {
          KafkaStreamsAggregation.Totals t = got.get(e.getKey());
          return t == null || t.count() != e.getValue()[0] || t.sum() != e.getValue()[1];
        })) {
          throw new IllegalStateException("Kafka Streams' aggregates differ from the recomputation");
        }
      }
      progress.say("dataflow: the same changes through walflow's view, one transaction each, repeat %d", repeat + 1);
      try (Dataflow d = Dataflow.open(DataflowConfig.defaults(workspace.newDir("kstreams-walflow-" + repeat))
          .withPartialState(false))) {
        d.snapshotBegin("app", 0, Instant.EPOCH);
        d.snapshotChange("app", 0, new SchemaChange("t", SchemaOp.CREATE_TABLE,
            "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v INTEGER)", COLUMNS, Optional.empty()));
        d.snapshotEnd("app", 0);
        d.createView("totals", ALL_SQL);
        List<ChangeSet> sets = new ArrayList<>(changes);
        for (Change c : stream) {
          RowChange rc = switch (c.op()) {
            case INSERT -> insert(c.id(), c.k(), c.v());
            case UPDATE -> new RowChange("t", Op.UPDATE, OptionalLong.of(c.id()), Map.of("rowid", Value.of(c.id())),
                row(c.id(), c.oldK(), c.oldV()), row(c.id(), c.k(), c.v()));
            case DELETE -> new RowChange("t", Op.DELETE, OptionalLong.of(c.id()), Map.of("rowid", Value.of(c.id())),
                row(c.id(), c.oldK(), c.oldV()), Map.of());
          };
          sets.add(new ChangeSet(List.of(), List.of(rc)));
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < sets.size(); i++) {
          d.commit("app", i + 1, Instant.EPOCH, sets.get(i));
        }
        walflowRuns.add(changes / ((System.nanoTime() - t0) / 1e9));
        var result = d.lookup("totals", List.of(), changes, java.time.Duration.ofSeconds(10));
        if (result.rows().size() != expected.size() || result.rows().stream().anyMatch(r -> {
          long[] e = expected.get(((io.walflow.ingest.change.IntegerValue) r.get(0)).value());
          return e == null || !r.get(1).equals(Value.of(e[0])) || !r.get(2).equals(Value.of(e[1]));
        })) {
          throw new IllegalStateException("walflow's view differs from the recomputation");
        }
      }
    }
    double walflow = median(walflowRuns);
    double streams = median(streamsRuns);
    return new Row("dataflow", "grouped COUNT/SUM over a change stream (60% inserts, 30% updates moving rows "
        + "between groups, 10% deletes): walflow full-state view vs Kafka Streams KTable aggregate (RocksDB stores, "
        + "TopologyTestDriver, no broker)", "changes/s", walflow, OptionalDouble.of(streams), new Goal.RatioAtLeast(3.0),
        walflowRuns, streamsRuns, changes + " single-row transactions, median of 3; both end states checked "
        + "against a recomputation", Optional.empty());
  }

  private static double median(List<Double> runs) {
    List<Double> sorted = new ArrayList<>(runs);
    java.util.Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }

  /** The cumulative distribution of a Zipf law over {@code n} ranks. */
  private static double[] zipfCdf(int n, double s) {
    double[] cdf = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += 1 / Math.pow(i + 1, s);
      cdf[i] = sum;
    }
    for (int i = 0; i < n; i++) {
      cdf[i] /= sum;
    }
    return cdf;
  }

  private interface Call {
    Object run(int i) throws Exception;
  }

  private static double medianMicros(int n, Call call) throws Exception {
    long[] t = new long[n];
    for (int i = 0; i < n; i++) {
      long s = System.nanoTime();
      call.run(i);
      t[i] = System.nanoTime() - s;
    }
    Arrays.sort(t);
    return t[n / 2] / 1e3;
  }
}
