package io.walflow.ingest.capture;

import static io.walflow.ingest.capture.LogAssertions.assertDenseLsns;
import static io.walflow.ingest.capture.LogAssertions.assertSameBytes;
import static io.walflow.ingest.capture.LogAssertions.digest;
import static io.walflow.ingest.capture.LogAssertions.entries;
import static io.walflow.ingest.capture.LogAssertions.replay;
import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.capture.Workload.AppCheckpoint;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Capture under application loads of every kind, each checked against SQLite: LSNs dense, the
 * database rebuilt from the log at sampled LSNs equals what SQLite held after that commit, and the
 * rebuilt final file is byte-identical to the source after a TRUNCATE checkpoint.
 */
class CaptureOracleTest {
  @TempDir Path dir;

  record Case(String name, int pageSize, int autocheckpoint, AppCheckpoint checkpoint, int checkpointEvery,
      int rowsPerTxn, int txns, boolean childWriter) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("512-byte pages, autocheckpoint at 1 page", 512, 1, AppCheckpoint.NONE, 0, 1, 1500, false),
        new Case("PASSIVE checkpoints by the application", 4096, 1000, AppCheckpoint.PASSIVE, 25, 1, 2000, false),
        new Case("FULL checkpoints by the application", 4096, 1000, AppCheckpoint.FULL, 25, 1, 2000, false),
        new Case("RESTART checkpoints by the application", 4096, 1000, AppCheckpoint.RESTART, 25, 1, 2000, false),
        new Case("TRUNCATE checkpoints by the application", 4096, 1, AppCheckpoint.TRUNCATE, 10, 1, 2000, false),
        new Case("65536-byte pages, 1000-row transactions", 65536, 1000, AppCheckpoint.TRUNCATE, 5, 1000, 40, false),
        new Case("1000-row transactions, no autocheckpoint", 4096, 0, AppCheckpoint.NONE, 0, 1000, 60, false),
        new Case("writer in another process, autocheckpoint at 1 page", 4096, 1, AppCheckpoint.TRUNCATE, 50, 1, 3000, true));
  }

  static void awaitDurable(Capture capture, long lsn) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        capture.awaitDurable("app", lsn).get(1, TimeUnit.SECONDS);
        return;
      } catch (java.util.concurrent.TimeoutException e) {
        System.out.println("waiting for LSN " + lsn + ": " + capture.stats());
        if (System.nanoTime() > deadline) {
          throw e;
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void captureEqualsSqlite(Case c) throws Exception {
    long seed = System.nanoTime();
    System.out.println("case '" + c.name() + "' seed " + seed);
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    Map<Long, String> sampled = new TreeMap<>();
    try (Connection w = SqliteOracle.open(db)) {
      Workload.prepare(w, c.pageSize(), c.autocheckpoint());
      CaptureConfig cfg = CaptureConfig.defaults(data).withDatabase("app", db).withCheckpoints(500, 1 << 20);
      try (Capture capture = Capture.start(cfg)) {
        capture.awaitDurable("app", 0).get(60, TimeUnit.SECONDS);
        if (c.childWriter()) {
          Process p = ChildProcess.start(ChildWriter.class, dir.resolve("writer.log"), db.toString(),
              String.valueOf(c.txns()), String.valueOf(c.rowsPerTxn()), c.checkpoint().name(),
              String.valueOf(c.autocheckpoint()), String.valueOf(seed));
          assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
          assertThat(p.exitValue()).as("child writer exit").isZero();
        } else {
          Workload load = new Workload(seed, c.rowsPerTxn(), c.checkpoint(), Math.max(1, c.checkpointEvery()));
          int every = Math.max(1, c.txns() / 4);
          for (int i = 1; i <= c.txns(); i++) {
            load.transaction(w);
            if (i % every == 0) {
              sampled.put((long) i, digest(SqliteOracle.contents(w)));
            }
          }
        }
        awaitDurable(capture, c.txns());
        assertThat(capture.failure()).isEmpty();
      }
      List<LogEntry> entries = entries(data, "app");
      assertThat(entries.get(0)).isInstanceOf(LogEntry.Snapshot.class);
      assertThat(assertDenseLsns(entries)).isEqualTo(c.txns());
      for (var s : sampled.entrySet()) {
        Path out = replay(data, "app", s.getKey(), dir.resolve("at-" + s.getKey() + ".db"));
        assertThat(SqliteOracle.integrity(out)).isEqualTo("ok");
        assertThat(digest(SqliteOracle.contents(out))).as("content at LSN %d", s.getKey()).isEqualTo(s.getValue());
      }
      Path last = replay(data, "app", c.txns(), dir.resolve("last.db"));
      assertThat(SqliteOracle.integrity(last)).isEqualTo("ok");
      assertThat(SqliteOracle.contents(last)).isEqualTo(SqliteOracle.contents(w));
      try (Statement st = w.createStatement()) {
        st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
      }
      assertSameBytes(last, db);
    }
  }
}
