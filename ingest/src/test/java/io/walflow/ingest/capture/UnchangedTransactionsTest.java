package io.walflow.ingest.capture;

import static io.walflow.ingest.capture.LogAssertions.assertDenseLsns;
import static io.walflow.ingest.capture.LogAssertions.entries;
import static io.walflow.ingest.capture.LogAssertions.replay;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.DatabaseStats;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions that change nothing, with SQLite as the oracle. Some write no frame at all
 * (replacing a WITHOUT ROWID row by the same values, setting a column to its value): SQLite commits
 * nothing to the WAL, so there is nothing to capture and no LSN. Others rewrite the last commit's
 * single page with the same bytes (INSERT OR REPLACE of the same row of a rowid table): commit
 * frames identical to the one before, which capture merges with it like sector padding. Either way
 * capture must read on to the end of what SQLite committed, say so ({@code walFramesBehind} 0),
 * report no stall, and capture the next real change; the log replayed equals SQLite.
 *
 * <p>This is what stalled KafkaReplicaTest once (seed 38630587029718): its workload's 210th
 * transaction replaced a row by the same values, so 600 transactions made 599 commits while the
 * test waited for LSN 600. Before the scanner reported where its valid frames end, capture stayed
 * in front of trailing identical commit frames, re-reading them on every poll.
 */
class UnchangedTransactionsTest {
  @TempDir Path dir;

  private static DatabaseStats stats(Capture c) {
    return c.stats().get(0);
  }

  /** Waits until capture has read every frame SQLite committed and reached {@code lsn}; returns its stats. */
  private static DatabaseStats caughtUp(Capture c, long lsn) throws Exception {
    c.awaitDurable("app", lsn).get(60, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(60)).alias("capture at LSN " + lsn + " with every WAL frame read")
        .until(() -> stats(c).walFramesBehind() == 0 && stats(c).lsn() >= lsn);
    DatabaseStats s = stats(c);
    assertThat(s.lsn()).as("%s", s).isEqualTo(lsn);
    assertThat(s.stalls()).as("%s", s).isZero();
    assertThat(s.state()).isEqualTo("capturing");
    return s;
  }

  @Test
  void unchangedTransactions_getNoLsnOfTheirOwn_captureReadsToTheEnd_andTheLogEqualsSqlite() throws Exception {
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    try (Connection w = SqliteOracle.open(db); Statement st = w.createStatement()) {
      Workload.prepare(w, 4096, 0);
      st.execute("CREATE TABLE people(last TEXT, first TEXT, age INTEGER, score REAL, PRIMARY KEY(last, first)) "
          + "WITHOUT ROWID");
      st.execute("CREATE TABLE r(id INTEGER PRIMARY KEY, v TEXT)");
      try (Capture c = Capture.start(CaptureConfig.defaults(data).withDatabase("app", db))) {
        c.awaitDurable("app", 0).get(60, TimeUnit.SECONDS);
        st.execute("INSERT INTO people VALUES ('n1', 'a', 3, 2.0)"); // LSN 1
        st.execute("INSERT INTO r VALUES (1, 'x')"); // LSN 2
        caughtUp(c, 2);

        // Rewrites of page 3 (r) with the same bytes, one frame each, identical to LSN 2's frame.
        st.execute("INSERT OR REPLACE INTO r VALUES (1, 'x')");
        st.execute("INSERT OR REPLACE INTO r VALUES (1, 'x')");
        // No frame at all.
        st.execute("INSERT OR REPLACE INTO people VALUES ('n1', 'a', 3, 2.0)");
        st.execute("UPDATE r SET v = 'x' WHERE id = 1");
        // Let StallWatch compare more than once: a capture left in front of the identical frames
        // would be reported stalled at its second check.
        long checks = System.nanoTime() + 3 * StallWatch.CHECK_NANOS;
        await().atMost(Duration.ofSeconds(60))
            .until(() -> System.nanoTime() > checks && stats(c).walFramesBehind() >= 0);
        caughtUp(c, 2);

        st.execute("UPDATE r SET v = 'y' WHERE id = 1"); // LSN 3
        st.execute("INSERT OR REPLACE INTO people VALUES ('n1', 'a', 4, 2.0)"); // LSN 4
        caughtUp(c, 4);
        assertThat(c.failure()).isEmpty();
      }
      assertThat(assertDenseLsns(entries(data, "app"))).isEqualTo(4);
      Path last = replay(data, "app", 4, dir.resolve("at-4.db"));
      assertThat(SqliteOracle.integrity(last)).isEqualTo("ok");
      assertThat(SqliteOracle.contents(last)).isEqualTo(SqliteOracle.contents(w));
    }
  }
}
