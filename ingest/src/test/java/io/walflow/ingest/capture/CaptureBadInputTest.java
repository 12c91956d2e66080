package io.walflow.ingest.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.CorruptEntryException;
import io.walflow.ingest.DatabaseStats;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.Replay;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each bad input gets a clear error naming the database and what to do; the log is not damaged. */
class CaptureBadInputTest {
  @TempDir Path dir;

  private Throwable failureOf(Path db) throws Exception {
    try (Capture c = Capture.start(CaptureConfig.defaults(dir.resolve("data")).withDatabase("app", db))) {
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> c.failure().isPresent());
      assertThat(c.stats().get(0).state()).startsWith("failed");
      return c.failure().get();
    }
  }

  @Test
  void notASqliteFile_isReportedWithItsPath() throws Exception {
    Path db = dir.resolve("notes.txt");
    Files.writeString(db, "x".repeat(200));
    assertThat(failureOf(db)).hasMessageContaining("database 'app'").hasMessageContaining("is not a SQLite database")
        .hasMessageContaining(db.toString());
  }

  @Test
  void rollbackJournalMode_saysHowToSwitch() throws Exception {
    Path db = dir.resolve("app.db");
    try (Connection c = SqliteOracle.open(db); Statement st = c.createStatement()) {
      st.execute("PRAGMA journal_mode=DELETE");
      st.execute("CREATE TABLE t(x)");
    }
    assertThat(failureOf(db)).hasMessageContaining("rollback-journal mode").hasMessageContaining("PRAGMA journal_mode=WAL");
  }

  @Test
  void exclusiveLockingMode_isNamed() throws Exception {
    Path db = dir.resolve("app.db");
    try (Connection c = SqliteOracle.open(db); Statement st = c.createStatement()) {
      st.execute("PRAGMA journal_mode=WAL");
      st.execute("PRAGMA locking_mode=EXCLUSIVE");
      st.execute("CREATE TABLE t(x)");
      st.execute("INSERT INTO t VALUES (1)"); // takes and keeps the exclusive lock
      assertThat(failureOf(db)).hasMessageContaining("database 'app'").hasMessageContaining("locking_mode=EXCLUSIVE");
    }
  }

  @Test
  void missingFile_isWaitedFor_thenCaptured() throws Exception {
    Path db = dir.resolve("later.db");
    try (Capture c = Capture.start(CaptureConfig.defaults(dir.resolve("data")).withDatabase("app", db))) {
      Awaitility.await().atMost(Duration.ofSeconds(10))
          .until(() -> c.stats().get(0).state().equals("waiting for the database file"));
      try (Connection w = SqliteOracle.open(db); Statement st = w.createStatement()) {
        st.execute("PRAGMA journal_mode=WAL");
        st.execute("CREATE TABLE t(x)");
        c.awaitDurable("app", 0).get(30, TimeUnit.SECONDS);
        st.execute("INSERT INTO t VALUES (42)");
        c.awaitDurable("app", 1).get(30, TimeUnit.SECONDS);
      }
      assertThat(c.failure()).isEmpty();
    }
  }

  @Test
  void fullDisk_stopsAppendingWithAClearError_andRestartLosesNothing() throws Exception {
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    try (Connection w = SqliteOracle.open(db)) {
      Workload.prepare(w, 4096, 1000);
      Workload load = new Workload(7, 1, Workload.AppCheckpoint.NONE, 1);
      CaptureConfig cfg = CaptureConfig.defaults(data).withDatabase("app", db);
      try (Capture c = Capture.start(cfg)) {
        c.awaitDurable("app", 0).get(30, TimeUnit.SECONDS);
        for (int i = 0; i < 20; i++) {
          load.transaction(w);
        }
        c.awaitDurable("app", 20).get(30, TimeUnit.SECONDS);
      }
      // Simulate a full file system: demand more free space than exists.
      try (Capture c = Capture.start(cfg.withMinFreeDiskBytes(Long.MAX_VALUE / 4))) {
        load.transaction(w);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> c.failure().isPresent());
        assertThat(c.failure().get()).hasMessageContaining("free").hasMessageContaining("--min-free-disk");
        assertThat(c.durableLsn("app")).isEqualTo(20);
      } catch (java.io.IOException expectedOnClose) {
        assertThat(expectedOnClose).hasMessageContaining("free");
      }
      try (Capture c = Capture.start(cfg)) {
        load.transaction(w);
        c.awaitDurable("app", 22).get(30, TimeUnit.SECONDS);
      }
      List<LogEntry> entries = LogAssertions.entries(data, "app");
      assertThat(LogAssertions.assertDenseLsns(entries)).isEqualTo(22);
      Path out = LogAssertions.replay(data, "app", 22, dir.resolve("out.db"));
      assertThat(SqliteOracle.contents(out)).isEqualTo(SqliteOracle.contents(w));
    }
  }

  @Test
  void corruptLogEntry_isReportedWithItsPosition_neverDecoded() throws Exception {
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    try (Connection w = SqliteOracle.open(db)) {
      Workload.prepare(w, 4096, 1000);
      Workload load = new Workload(9, 1, Workload.AppCheckpoint.NONE, 1);
      try (Capture c = Capture.start(CaptureConfig.defaults(data).withDatabase("app", db).withCheckpoints(4000, 64 << 20))) {
        c.awaitDurable("app", 0).get(30, TimeUnit.SECONDS);
        for (int i = 0; i < 10; i++) {
          load.transaction(w);
        }
        c.awaitDurable("app", 10).get(30, TimeUnit.SECONDS);
      }
    }
    Path cq4;
    try (Stream<Path> files = Files.list(data.resolve("log"))) {
      cq4 = files.filter(p -> p.toString().endsWith(".cq4")).findFirst().orElseThrow();
    }
    flipByteInLastEntry(cq4);
    assertThatThrownBy(() -> Replay.toFile(data, "app", OptionalLong.of(10), dir.resolve("out.db"), l -> {}))
        .isInstanceOf(CorruptEntryException.class).hasMessageContaining("index 0x").hasMessageContaining("CRC-32C");
    assertThat(Files.exists(dir.resolve("out.db"))).isFalse();
    // Everything before the damaged entry is still readable and exact.
    Path out = LogAssertions.replay(data, "app", 9, dir.resolve("out9.db"));
    assertThat(SqliteOracle.integrity(out)).isEqualTo("ok");
  }

  /** Flips a byte inside the last entry (found by its magic) of a Chronicle file. */
  private static void flipByteInLastEntry(Path cq4) throws Exception {
    byte[] magic = "WFL1".getBytes(StandardCharsets.US_ASCII);
    try (FileChannel ch = FileChannel.open(cq4, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer all = ByteBuffer.allocate((int) Math.min(ch.size(), 64 << 20));
      ch.read(all, 0);
      byte[] b = all.array();
      int last = -1;
      for (int i = 0; i + 4 <= b.length; i++) {
        if (b[i] == magic[0] && b[i + 1] == magic[1] && b[i + 2] == magic[2] && b[i + 3] == magic[3]) {
          last = i;
        }
      }
      assertThat(last).isPositive();
      int at = last + 100; // inside the page records
      ch.write(ByteBuffer.wrap(new byte[] {(byte) (b[at] ^ 0x5a)}), at);
    }
  }

  static boolean failed(DatabaseStats s) {
    return s.state().startsWith("failed");
  }
}
