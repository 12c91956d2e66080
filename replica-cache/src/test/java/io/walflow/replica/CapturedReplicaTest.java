package io.walflow.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.Replay;
import io.walflow.ingest.capture.SqliteOracle;
import io.walflow.ingest.capture.Workload;
import io.walflow.ingest.change.Value;
import io.walflow.replica.source.LocalLogSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on one machine: a real SQLite database under a write load with schema changes,
 * captured into the local log, replicated from it; the replica equals SQLite (the oracle) at the
 * same LSN.
 */
class CapturedReplicaTest {
  @TempDir Path dir;

  /** A write load over the workload's table, a WITHOUT ROWID table and schema changes. */
  static final class App {
    final Workload load;
    final Random random;
    int txn;

    App(long seed) {
      this.load = new Workload(seed, 3, Workload.AppCheckpoint.PASSIVE, 50);
      this.random = new Random(seed);
    }

    static void prepare(Connection w) throws SQLException {
      Workload.prepare(w, 4096, 1000);
      try (Statement st = w.createStatement()) {
        st.execute("CREATE TABLE IF NOT EXISTS people(last TEXT, first TEXT, age INTEGER, score REAL, "
            + "PRIMARY KEY(last, first)) WITHOUT ROWID");
      }
    }

    void transaction(Connection w) throws SQLException {
      txn++;
      try (Statement st = w.createStatement()) {
        switch (txn) {
          case 100 -> st.execute("ALTER TABLE t ADD COLUMN note TEXT DEFAULT 'none'");
          case 200 -> st.execute("CREATE TABLE extra(id INTEGER PRIMARY KEY, s TEXT)");
          case 300 -> st.execute("ALTER TABLE people RENAME COLUMN score TO points");
          case 400 -> st.execute("DROP TABLE extra");
          case 500 -> st.execute("ALTER TABLE people RENAME TO persons");
          default -> {
            if (txn % 7 == 0) {
              // The score is unique to this transaction: replacing a row with identical values
              // writes no page, so SQLite commits nothing to the WAL and capture (rightly) assigns
              // no LSN, while the tests count one LSN per transaction here.
              String table = txn > 500 ? "persons" : "people";
              try (PreparedStatement p = w.prepareStatement("INSERT OR REPLACE INTO " + table + " VALUES (?, ?, ?, ?)")) {
                p.setString(1, "n" + random.nextInt(50));
                p.setString(2, random.nextBoolean() ? "a" : "b\u00e9");
                p.setInt(3, random.nextInt(90));
                p.setDouble(4, random.nextInt(4) == 0 ? (double) txn : txn + random.nextDouble());
                p.executeUpdate();
              }
            } else if (txn > 200 && txn < 400 && txn % 5 == 0) {
              st.execute("INSERT INTO extra(s) VALUES ('row " + txn + "')");
            } else {
              load.transaction(w);
            }
          }
        }
      }
    }
  }

  @Test
  void replica_convergesToSqlite_underLoad_withSchemaChanges() throws Exception {
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    int txns = 700;
    try (Connection w = SqliteOracle.open(db);
        Capture c = start(data, db, w);
        Replica r = Replica.open(ReplicaConfig.of("eu", dir.resolve("replica-eu")).withCacheRows(200))) {
      r.start(new LocalLogSource(data));
      App app = new App(seed);
      long lastLsn = 0;
      for (int i = 1; i <= txns; i++) {
        app.transaction(w);
        if (i == 350) {
          // Mid-load: a scan is exactly the table as of the LSN it reports.
          lastLsn = c.durableLsn("app");
          RangeRead page = r.scan("app", "t", Optional.empty(), 10_000, Freshness.atLeast(lastLsn, Duration.ofSeconds(30)));
          Path replayed = dir.resolve("at-" + page.lsn() + ".db");
          Replay.toFile(data, "app", OptionalLong.of(page.lsn()), replayed, l -> { });
          assertThat(page.next()).isEmpty();
          assertThat(page.rows()).as("t at LSN %d (seed %d)", page.lsn(), seed)
              .isEqualTo(SqliteTables.read(replayed).get("t"));
        }
      }
      long end = durableAt(c, app.txn);
      assertThat(r.awaitLsn("app", end).get(60, TimeUnit.SECONDS)).isEqualTo(end);
      SqliteTables.assertSame(r, "app", db, "at LSN " + end + " (seed " + seed + ")");
      ReplicaStatus s = r.status();
      DatabaseStatus d = s.databases().get("app");
      assertThat(d.state()).isEqualTo(ApplyState.OK);
      assertThat(d.lsn()).isEqualTo(end);
      assertThat(d.lagLsns()).isZero();
      assertThat(s.bytesOnDisk()).isPositive();
      // A point read through the cache, twice: a miss, then a hit.
      Map<String, Value> someRow = SqliteTables.scanAll(r, "app", "t").get(0);
      long hits = r.status().cacheHits();
      PointRead p1 = r.get("app", "t", List.of(someRow.get("id")), Freshness.ANY);
      PointRead p2 = r.get("app", "t", List.of(someRow.get("id")), Freshness.ANY);
      assertThat(p1.row()).contains(someRow);
      assertThat(p2).isEqualTo(p1);
      assertThat(r.status().cacheHits()).isGreaterThan(hits);
      Map<String, Value> person = SqliteTables.scanAll(r, "app", "persons").get(0);
      assertThat(r.get("app", "persons", List.of(person.get("last"), person.get("first")), Freshness.ANY).row())
          .contains(person);
    }
  }

  /**
   * A replica started after the load bootstraps from the log's snapshot, restarts from its own
   * watermark (no commit applied twice: an insert applied twice would change nothing, so the
   * check is the watermark and content after more load), and a replica with a retention snapshot
   * in the log skips it.
   */
  @Test
  void lateReplica_bootstraps_thenRestartsFromItsWatermark() throws Exception {
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    App app = new App(seed);
    try (Connection w = SqliteOracle.open(db)) {
      long end;
      try (Capture c = start(data, db, w)) {
        for (int i = 0; i < 250; i++) {
          app.transaction(w);
        }
        end = durableAt(c, app.txn);
      }
      Path replicaDir = dir.resolve("replica-us");
      try (Replica r = Replica.open(ReplicaConfig.of("us", replicaDir))) {
        r.start(new LocalLogSource(data));
        assertThat(r.awaitLsn("app", end).get(60, TimeUnit.SECONDS)).isEqualTo(end);
        SqliteTables.assertSame(r, "app", db, "after bootstrap (seed " + seed + ")");
      }
      try (Capture c = start(data, db, w)) {
        for (int i = 0; i < 250; i++) {
          app.transaction(w);
        }
        end = durableAt(c, app.txn);
      }
      try (Replica r = Replica.open(ReplicaConfig.of("us", replicaDir))) {
        assertThat(r.lsn("app")).isLessThan(end).isPositive();
        r.start(new LocalLogSource(data));
        assertThat(r.awaitLsn("app", end).get(60, TimeUnit.SECONDS)).isEqualTo(end);
        SqliteTables.assertSame(r, "app", db, "after restart (seed " + seed + ")");
        assertThat(r.status().databases().get("app").state()).isEqualTo(ApplyState.OK);
      }
    }
  }

  static Capture start(Path data, Path db, Connection w) throws Exception {
    App.prepare(w);
    Capture c = Capture.start(CaptureConfig.defaults(data).withDatabase("app", db));
    c.awaitDurable("app", 0).get(30, TimeUnit.SECONDS);
    return c;
  }

  /**
   * Waits until capture reports LSN {@code lsn} durable (the writer's commits are counted: one
   * LSN per transaction after the snapshot at LSN 0); returns it.
   */
  static long durableAt(Capture c, long lsn) throws Exception {
    try {
      c.awaitDurable("app", lsn).get(90, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      // Say which side is behind: capture (its LSN) or the Kafka publisher (published LSN, problem).
      throw new AssertionError("LSN " + lsn + " of app not durable within 90 s: " + c.stats() + "; Kafka problem: "
          + c.kafkaProblem().orElse("none"), e);
    }
    assertThat(c.failure()).isEmpty();
    return lsn;
  }
}
