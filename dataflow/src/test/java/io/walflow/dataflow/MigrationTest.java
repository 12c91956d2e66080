package io.walflow.dataflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.change.RowChange;
import io.walflow.ingest.change.Value;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adding and dropping views while the stream flows (issue point 5): a new view is built off the
 * transaction lock, so other views keep applying commits during its backfill, and every view
 * equals SQLite afterwards; a new partial view answers its first read by an upquery, with no
 * backfill.
 */
class MigrationTest {
  @TempDir Path dir;

  static final Tables T = DataflowTest.T;
  static final int ROWS = 60_000;
  static final String COUNTS = "SELECT k, COUNT(*) AS c, SUM(v) AS s FROM t GROUP BY k";
  /** Shares COUNTS' scan and aggregate, adds a filter on top. */
  static final String BIG = "SELECT k, COUNT(*) AS c, SUM(v) AS s FROM t GROUP BY k HAVING COUNT(*) > 100";
  static final String SMALL = "SELECT id, v FROM t WHERE v = 3 AND k < 10";

  /** The source: the engine and an SQLite oracle given the same transactions. */
  static final class Source implements AutoCloseable {
    final Dataflow flow;
    final Connection oracle;
    final Random random;
    final int maxChanges;
    long lsn;
    long nextId;
    final List<Long> ids = new ArrayList<>();

    Source(Dataflow flow, long seed) throws Exception {
      this(flow, seed, ROWS, 4);
    }

    /** {@code rows} rows in the snapshot; transactions of 1 to {@code maxChanges} row changes. */
    Source(Dataflow flow, long seed, int rows, int maxChanges) throws Exception {
      this.flow = flow;
      this.maxChanges = maxChanges;
      this.nextId = rows + 1;
      this.random = new Random(seed);
      this.oracle = DriverManager.getConnection("jdbc:sqlite::memory:");
      try (Statement st = oracle.createStatement()) {
        st.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v INTEGER)");
      }
      flow.snapshotBegin("app", 0, Instant.EPOCH);
      flow.snapshotChange("app", 0, T.create());
      oracle.setAutoCommit(false);
      try (PreparedStatement ps = oracle.prepareStatement("INSERT INTO t VALUES (?, ?, ?)")) {
        for (long i = 1; i <= rows; i++) {
          long k = i % 500;
          long v = i % 97;
          flow.snapshotChange("app", 0, T.insert(i, k, v));
          ps.setLong(1, i);
          ps.setLong(2, k);
          ps.setLong(3, v);
          ps.addBatch();
          ids.add(i);
        }
        ps.executeBatch();
      }
      oracle.commit();
      flow.snapshotEnd("app", 0);
    }

    /** One random transaction of 1 to {@code maxChanges} row changes, to both. */
    synchronized long commit() throws Exception {
      List<RowChange> changes = new ArrayList<>();
      java.util.Set<Long> touched = new java.util.HashSet<>();
      int n = 1 + random.nextInt(maxChanges);
      for (int i = 0; i < n; i++) {
        int op = random.nextInt(3);
        long k = random.nextInt(520);
        long v = random.nextInt(100);
        if (op == 0 || ids.isEmpty()) {
          long id = nextId++;
          changes.add(T.insert(id, k, v));
          exec("INSERT INTO t VALUES (" + id + ", " + k + ", " + v + ")");
          ids.add(id);
        } else {
          int at = random.nextInt(ids.size());
          long id = ids.get(at);
          if (!touched.add(id)) {
            continue;
          }
          long[] old = row(id);
          if (op == 1) {
            changes.add(T.update(new Object[] {id, old[0], old[1]}, id, k, v));
            exec("UPDATE t SET k = " + k + ", v = " + v + " WHERE id = " + id);
          } else {
            changes.add(T.delete(id, old[0], old[1]));
            exec("DELETE FROM t WHERE id = " + id);
            ids.set(at, ids.get(ids.size() - 1));
            ids.remove(ids.size() - 1);
          }
        }
      }
      oracle.commit();
      lsn++;
      flow.commit("app", lsn, Instant.EPOCH, new ChangeSet(List.of(), changes));
      return lsn;
    }

    private void exec(String sql) throws Exception {
      try (Statement st = oracle.createStatement()) {
        st.execute(sql);
      }
    }

    private long[] row(long id) throws Exception {
      try (Statement st = oracle.createStatement(); ResultSet rs = st.executeQuery("SELECT k, v FROM t WHERE id = " + id)) {
        rs.next();
        return new long[] {rs.getLong(1), rs.getLong(2)};
      }
    }

    /** Asserts the view's rows for {@code params} equal SQLite's at the current LSN. */
    synchronized void check(String view, String sql, Value... params) throws Exception {
      ViewResult r = flow.lookup(view, List.of(params), lsn, Duration.ofSeconds(30));
      assertThat(r.lsn()).isEqualTo(lsn);
      List<String> actual = new ArrayList<>(r.rows().stream().map(ViewOracle::render).toList());
      List<String> expected = new ArrayList<>(ViewOracle.sqliteRows(oracle, sql, List.of(params)));
      actual.sort(null);
      expected.sort(null);
      assertThat(actual).as("%s %s at LSN %d", view, List.of(params), lsn).isEqualTo(expected);
    }

    @Override
    public void close() throws Exception {
      oracle.close();
    }
  }

  /** Commits on its own thread until stopped; records which commits ran entirely inside a window. */
  static final class Feeder extends Thread {
    final Source source;
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicBoolean window = new AtomicBoolean();
    final AtomicLong commits = new AtomicLong();
    /** LSN → the watermark of view {@code watch} right after that commit, for commits inside the window. */
    final Map<Long, Long> insideWindow = new TreeMap<>();
    final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    final String watch;

    Feeder(Source source, String watch) {
      super("migration-feeder");
      this.source = source;
      this.watch = watch;
    }

    @Override
    public void run() {
      try {
        while (!stop.get()) {
          boolean before = window.get();
          long lsn = source.commit();
          if (before && window.get()) {
            long wm = source.flow.view(watch).orElseThrow().watermark();
            boolean first;
            synchronized (insideWindow) {
              first = insideWindow.isEmpty();
              insideWindow.put(lsn, wm);
            }
            if (first) {
              // the other view answers right while the new one is being built
              source.check(watch, COUNTS);
            }
          }
          commits.incrementAndGet();
        }
      } catch (Throwable e) {
        errors.add(e);
      }
    }

    void awaitCommits(long n) throws InterruptedException {
      Awaitility.await("the feeder's commits").atMost(120, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(5))
          .until(() -> commits.get() >= n || !errors.isEmpty());
      assertThat(errors).isEmpty();
      assertThat(commits.get()).as("feeder commits").isGreaterThanOrEqualTo(n);
    }
  }

  @Test
  void addingAFullViewThatSharesAnAggregate_doesNotPauseTheOtherViews() throws Exception {
    long seed = new Random().nextLong();
    System.out.println("migration seed " + seed);
    int alone;
    try (Dataflow lone = Dataflow.open(DataflowConfig.defaults(dir.resolve("lone")).withPartialState(false))) {
      lone.snapshotBegin("app", 0, Instant.EPOCH);
      lone.snapshotChange("app", 0, T.create());
      lone.snapshotEnd("app", 0);
      lone.createView("big", BIG);
      alone = lone.operators();
    }
    try (Dataflow d = Dataflow.open(DataflowConfig.defaults(dir.resolve("engine")).withPartialState(false));
        Source src = new Source(d, seed)) {
      d.createView("counts", COUNTS);
      d.createView("small", SMALL);
      int before = d.operators();
      Feeder feeder = new Feeder(src, "counts");
      feeder.start();
      try {
        feeder.awaitCommits(10);
        // when big's backfill starts (its snapshot taken, off the lock), 5 more commits must go
        // through to the other views before it goes on: with the lock held they could not
        d.beforeBackfill = name -> {
          try {
            feeder.awaitCommits(feeder.commits.get() + 5);
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
        };
        feeder.window.set(true);
        d.createView("big", BIG);
        feeder.window.set(false);
        long after = feeder.commits.get();
        feeder.awaitCommits(after + 10);
      } finally {
        feeder.stop.set(true);
        feeder.join();
      }
      assertThat(feeder.errors).as("seed %d", seed).isEmpty();
      // big shares the scan and the aggregate of counts: it adds fewer operators than it has alone
      assertThat(d.operators() - before).isLessThan(alone);
      synchronized (feeder.insideWindow) {
        System.out.println("commits applied while the view was built: " + feeder.insideWindow.size());
        assertThat(feeder.insideWindow).as("commits applied to the other views during the add (seed %d)", seed)
            .hasSizeGreaterThanOrEqualTo(4);
        List<Long> marks = List.copyOf(feeder.insideWindow.values());
        assertThat(marks.get(marks.size() - 1)).isGreaterThan(marks.get(0));
      }
      src.check("counts", COUNTS);
      src.check("small", SMALL);
      src.check("big", BIG);
      for (int i = 0; i < 20; i++) {
        src.commit();
        src.check("counts", COUNTS);
        src.check("big", BIG);
      }
    }
  }

  @Test
  void addingAndDroppingViewsUnderConcurrentCommits_matchesSqlite() throws Exception {
    long seed = new Random().nextLong();
    System.out.println("migration churn seed " + seed);
    Map<String, String> catalogue = new java.util.LinkedHashMap<>();
    catalogue.put("counts", COUNTS);
    catalogue.put("big", BIG);
    catalogue.put("small", SMALL);
    catalogue.put("byk", "SELECT id, v FROM t WHERE k = ?");
    catalogue.put("sumbyk", "SELECT k, SUM(v) AS s, MAX(v) AS m FROM t WHERE k = ? GROUP BY k");
    catalogue.put("top", "SELECT id, v FROM t WHERE k = ? ORDER BY v DESC, id LIMIT 3");
    catalogue.put("distinct", "SELECT DISTINCT v FROM t WHERE k < 20");
    for (boolean partial : new boolean[] {false, true}) {
      try (Dataflow d = Dataflow.open(DataflowConfig.defaults(dir.resolve("churn-" + partial))
          .withPartialState(partial).withWorkerThreads(2));
          Source src = new Source(d, seed)) {
        d.createView("counts", COUNTS);
        Feeder feeder = new Feeder(src, "counts");
        feeder.start();
        Random r = new Random(seed);
        java.util.Set<String> live = new java.util.TreeSet<>(List.of("counts"));
        try {
          for (int step = 0; step < 12; step++) {
            List<String> names = new ArrayList<>(catalogue.keySet());
            String name = names.get(r.nextInt(names.size()));
            if (live.contains(name) && !name.equals("counts")) {
              d.dropView(name);
              live.remove(name);
            } else if (!live.contains(name)) {
              d.createView(name, catalogue.get(name));
              live.add(name);
            }
            feeder.awaitCommits(feeder.commits.get() + 3);
          }
        } finally {
          feeder.stop.set(true);
          feeder.join();
        }
        assertThat(feeder.errors).as("seed %d", seed).isEmpty();
        for (int i = 0; i < 5; i++) {
          src.commit();
          for (String name : live) {
            String sql = catalogue.get(name);
            if (sql.contains("?")) {
              for (long k : new long[] {0, 7, 499, 510}) {
                src.check(name, sql, Value.of(k));
              }
            } else {
              src.check(name, sql);
            }
          }
        }
      }
    }
  }

  @Test
  void aNewPartialView_answersItsFirstReadByAnUpquery_withoutABackfill() throws Exception {
    try (Dataflow full = Dataflow.open(DataflowConfig.defaults(dir.resolve("full")).withPartialState(false));
        Source fullSrc = new Source(full, 1);
        Dataflow d = Dataflow.open(DataflowConfig.defaults(dir.resolve("partial")));
        Source src = new Source(d, 1)) {
      String sql = "SELECT k, COUNT(*) AS c, SUM(v) AS s FROM t WHERE k = ? GROUP BY k";
      full.createView("agg", sql);
      d.createView("agg", sql);
      // nothing was backfilled: the partial view holds no state until it is read
      assertThat(d.stateBytes()).isZero();
      assertThat(d.upqueries()).isZero();
      src.check("agg", sql, Value.of(7L));
      assertThat(d.upqueries()).isEqualTo(1);
      long one = d.stateBytes();
      assertThat(one).isPositive();
      // one of 500 groups: a tiny part of the full view's state
      assertThat(one * 100).isLessThan(full.stateBytes());
      src.check("agg", sql, Value.of(7L));
      assertThat(d.upqueries()).as("a second read is a hit").isEqualTo(1);
      for (int i = 0; i < 10; i++) {
        src.commit();
        fullSrc.commit();
        src.check("agg", sql, Value.of(7L));
        fullSrc.check("agg", sql, Value.of(7L));
      }
    }
  }
}
