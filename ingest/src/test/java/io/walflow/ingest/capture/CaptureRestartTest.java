package io.walflow.ingest.capture;

import static io.walflow.ingest.capture.LogAssertions.assertDenseLsns;
import static io.walflow.ingest.capture.LogAssertions.assertSameBytes;
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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Capture stopped and started again — gracefully and with kill -9 — loses and repeats nothing. */
class CaptureRestartTest {
  @TempDir Path dir;

  private CaptureConfig config(Path db) {
    return CaptureConfig.defaults(dir.resolve("data")).withDatabase("app", db);
  }

  /** First capture of {@code db}: snapshot, then {@code txns} transactions made durable, then stop. */
  private void captureWhileWriting(Path db, Connection w, Workload load, int txns) throws Exception {
    try (Capture c = Capture.start(config(db))) {
      c.awaitDurable("app", 0).get(30, TimeUnit.SECONDS);
      for (int i = 0; i < txns; i++) {
        load.transaction(w);
      }
      c.awaitDurable("app", txns).get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void gracefulRestart_walKept_resumesWithoutSnapshot() throws Exception {
    Path db = dir.resolve("app.db");
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    try (Connection w = SqliteOracle.open(db)) {
      Workload.prepare(w, 4096, 0);
      Workload load = new Workload(seed, 1, AppCheckpoint.NONE, 1);
      captureWhileWriting(db, w, load, 300);
      for (int i = 0; i < 300; i++) {
        load.transaction(w); // written while capture is stopped, WAL not checkpointed
      }
      try (Capture c = Capture.start(config(db))) {
        c.awaitDurable("app", 600).get(30, TimeUnit.SECONDS);
      }
      List<LogEntry> entries = entries(dir.resolve("data"), "app");
      assertThat(assertDenseLsns(entries)).isEqualTo(600);
      assertThat(entries.stream().filter(e -> e instanceof LogEntry.Snapshot)).hasSize(1);
      Path last = replay(dir.resolve("data"), "app", 600, dir.resolve("last.db"));
      assertThat(SqliteOracle.contents(last)).isEqualTo(SqliteOracle.contents(w));
      try (Statement st = w.createStatement()) {
        st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
      }
      assertSameBytes(last, db);
    }
  }

  @Test
  void gracefulRestart_walRestartedWhileStopped_writesNewSnapshotAtNextLsn() throws Exception {
    Path db = dir.resolve("app.db");
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    try (Connection w = SqliteOracle.open(db)) {
      Workload.prepare(w, 4096, 0);
      Workload load = new Workload(seed, 1, AppCheckpoint.NONE, 1);
      captureWhileWriting(db, w, load, 200);
      for (int i = 0; i < 100; i++) {
        load.transaction(w);
      }
      try (Statement st = w.createStatement()) {
        st.execute("PRAGMA wal_checkpoint(TRUNCATE)"); // the frames capture has not read are gone
      }
      for (int i = 0; i < 50; i++) {
        load.transaction(w);
      }
      try (Capture c = Capture.start(config(db))) {
        c.awaitDurable("app", 201).get(30, TimeUnit.SECONDS);
        for (int i = 0; i < 50; i++) {
          load.transaction(w);
        }
        c.awaitDurable("app", 251).get(30, TimeUnit.SECONDS);
      }
      List<LogEntry> entries = entries(dir.resolve("data"), "app");
      assertThat(assertDenseLsns(entries)).isEqualTo(251);
      assertThat(entries.stream().filter(e -> e instanceof LogEntry.Snapshot).map(LogEntry::lsn)).containsExactly(0L, 201L);
      Path last = replay(dir.resolve("data"), "app", 251, dir.resolve("last.db"));
      assertThat(SqliteOracle.contents(last)).isEqualTo(SqliteOracle.contents(w));
    }
  }

  @Test
  void killMinus9_midLoad_restartLosesAndRepeatsNothing() throws Exception {
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    try (Connection w = SqliteOracle.open(db)) {
      Workload.prepare(w, 4096, 1000);
    }
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicReference<Throwable> writerError = new AtomicReference<>();
    Connection w = SqliteOracle.open(db);
    Workload.prepare(w, 4096, 1000);
    Workload load = new Workload(seed, 1, AppCheckpoint.PASSIVE, 100);
    Thread writer = new Thread(() -> {
      try {
        long n = 0;
        while (writing.get()) {
          load.transaction(w);
          if (++n % 20 == 0) {
            Thread.sleep(1); // a busy application, not a throughput race with capture
          }
        }
      } catch (Throwable t) {
        writerError.set(t);
      }
    });
    Process capture = ChildProcess.start(ChildCapture.class, dir.resolve("capture.log"), data.toString(), "app", db.toString());
    try {
      Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> hasEntries(data));
      writer.start();
      for (int round = 0; round < 3; round++) {
        Thread.sleep(700 + round * 300L); // let the load run: the kill must land mid-load, not on a condition
        capture.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL, mid-append or mid-read
        capture = ChildProcess.start(ChildCapture.class, dir.resolve("capture.log"), data.toString(), "app", db.toString());
      }
      Thread.sleep(500); // the last capture process runs under load for a while before the writer stops
      writing.set(false);
      writer.join();
      assertThat(writerError.get()).isNull();
      String expected = LogAssertions.digest(SqliteOracle.contents(w));
      Path out = dir.resolve("last.db");
      try {
        Awaitility.await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
          List<LogEntry> entries = entries(data, "app");
          long last = assertDenseLsns(entries);
          replay(data, "app", last, out);
          assertThat(LogAssertions.digest(SqliteOracle.contents(out))).as("content at LSN %d", last).isEqualTo(expected);
        });
      } catch (AssertionError | org.awaitility.core.ConditionTimeoutException e) {
        System.out.println("capture log:\n" + java.nio.file.Files.readString(dir.resolve("capture.log")));
        throw e;
      }
      assertThat(SqliteOracle.integrity(out)).isEqualTo("ok");
    } finally {
      capture.getOutputStream().close();
      capture.waitFor(30, TimeUnit.SECONDS);
      capture.destroyForcibly();
      w.close();
    }
  }

  private static boolean hasEntries(Path data) {
    try {
      return !entries(data, "app").isEmpty();
    } catch (Exception e) {
      return false;
    }
  }
}
