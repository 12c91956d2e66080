package io.walflow.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.app.Main;
import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.DatabaseStats;
import io.walflow.ingest.progress.ProgressLine;
import io.walflow.replica.Replica;
import io.walflow.replica.ReplicaConfig;
import io.walflow.replica.source.LocalLogSource;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Long work prints progress: capture's snapshot, {@code walflow replay} to a file and to a replica,
 * and a replica's bootstrap. "Long" is whatever outlasts the progress interval; the test sets it to
 * 0 ms ({@value ProgressLine#INTERVAL_PROPERTY}) so that real work of any length counts, and reads
 * the lines from the streams the commands write them to.
 */
class ProgressLinesTest {
  private static final int COMMITS = 300;
  @TempDir Path dir;

  @BeforeEach
  void everyUpdatePrints() {
    System.setProperty(ProgressLine.INTERVAL_PROPERTY, "0");
  }

  @AfterEach
  void defaultInterval() {
    System.clearProperty(ProgressLine.INTERVAL_PROPERTY);
  }

  @Test
  void snapshotReplayAndReplicaBootstrap_printProgressLines() throws Exception {
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
      st.execute("PRAGMA journal_mode=WAL");
      st.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
      c.setAutoCommit(false);
      try (PreparedStatement ins = c.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
        for (int i = 0; i < 2000; i++) {
          ins.setInt(1, i);
          ins.setString(2, "row " + i + " ".repeat(100));
          ins.executeUpdate();
        }
      }
      c.commit();
    }

    // capture's first snapshot of a database of some hundred pages: progress on stderr
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream stderr = System.err;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try (Capture capture = Capture.start(CaptureConfig.defaults(data).withDatabase("app", db))) {
      capture.awaitDurable("app", 0).get(120, java.util.concurrent.TimeUnit.SECONDS); // the snapshot
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
        for (int i = 0; i < COMMITS; i++) {
          st.execute("UPDATE t SET v = 'v" + i + "' WHERE id = " + i);
        }
      }
      await(() -> capture.stats().stream().anyMatch(s -> s.db().equals("app") && s.commits() >= COMMITS
          && s.durableLsn() == s.lsn()), "capture to make " + COMMITS + " commits durable: " + capture.stats() + "\n" + captured);
    } finally {
      System.setErr(stderr);
    }
    assertThat(captured.toString(StandardCharsets.UTF_8)).contains("snapshot of 'app'").contains("pages");

    // replay to a file and to a replica: progress on the command's error stream
    StringWriter err = new StringWriter();
    assertThat(Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "replay", "--data-dir", data.toString(),
        "--db", "app", "--to", dir.resolve("rebuilt.db").toString())).isZero();
    assertThat(err.toString()).contains("replaying 'app', LSN reached: ");
    err.getBuffer().setLength(0);
    assertThat(Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "replay", "--data-dir", data.toString(),
        "--db", "app", "--to-replica", dir.resolve("rebuilt-replica").toString())).isZero();
    assertThat(err.toString()).contains("rebuilding replica of 'app': ").contains(" commits");

    // a replica's bootstrap from the log, held back for as long as the test looks: its free-space floor
    // is above the disk's size, so it pauses (disk_full) before applying the snapshot, a bootstrap that
    // does not end; the line shows from the first look
    StringWriter lines = new StringWriter();
    ReplicaConfig held = ReplicaConfig.of("eu", dir.resolve("replica")).withMinFreeDiskBytes(Long.MAX_VALUE / 2);
    try (Replica replica = Replica.open(held);
        BootstrapProgress progress = new BootstrapProgress(replica, "eu", new PrintWriter(lines, true))) {
      replica.start(new LocalLogSource(data), Optional.empty());
      await(() -> lines.toString().contains("replica eu: bootstrapping 'app': 0/"), "a bootstrap progress line: " + lines);
    }
    assertThat(lines.toString()).contains(" LSNs");
  }

  private static void await(BooleanSupplier condition, String what) {
    Awaitility.await(what).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
        .until(condition::getAsBoolean);
  }
}
