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
 *   <li>Raw rate through filter → aggregate on one core: inserts in 1,000-row commits through
 *       {@code SELECT k, count(*), sum(v) FROM t WHERE v > 10 GROUP BY k} (base-table writes to
 *       RocksDB included).
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

    progress.say("dataflow: deltas/s through filter -> aggregate on one core");
    try (Dataflow d = Dataflow.open(DataflowConfig.defaults(workspace.newDir("dataflow-rate"))
        .withPartialState(false))) {
      d.snapshotBegin("app", 0, Instant.EPOCH);
      d.snapshotChange("app", 0, new SchemaChange("t", SchemaOp.CREATE_TABLE, "CREATE TABLE t(...)", COLUMNS,
          Optional.empty()));
      d.snapshotEnd("app", 0);
      d.createView("agg", "SELECT k, count(*), sum(v) FROM t WHERE v > 10 GROUP BY k");
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
      long t0 = System.nanoTime();
      for (int b = 0; b < sets.size(); b++) {
        d.commit("app", b + 1, Instant.EPOCH, sets.get(b));
      }
      double rate = total / ((System.nanoTime() - t0) / 1e9);
      rows.add(new Row("dataflow", "deltas/s through filter -> aggregate, one core, 1,000-row commits (RocksDB "
          + "base writes included)", "deltas/s", rate, OptionalDouble.empty(), new Goal.None(), List.of(rate),
          List.of(), total + " inserts", Optional.empty()));
    }
    return rows;
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
