package io.walflow.ingest.capture;

import static io.walflow.ingest.capture.LogAssertions.assertDenseLsns;
import static io.walflow.ingest.capture.LogAssertions.entries;
import static io.walflow.ingest.capture.LogAssertions.replay;
import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application that opens the database, writes and closes it, again and again, in its own
 * process, while capture runs: every commit is captured, the WAL stays, and another process finds
 * capture's SQLite locks held (the database file's SHARED range and the {@code -shm} file's DMS
 * byte). POSIX releases all of a process's locks on a file when any of its descriptors of the file
 * is closed, so capture must never close a channel on these files while its connections are open
 * ({@link SourceFiles}). Capture once read the database file through a channel it closed (its first
 * snapshot): from then on it held no lock on the database file. A writer whose SQLite deletes the
 * WAL when its last connection closes and no other process holds a lock (3.40, as in Debian 12's
 * sqlite3 and Python; sqlite-jdbc 3.54 also checks the -shm file's locks) then checkpointed without
 * regard for capture's read marks and deleted the WAL under capture, which kept reading the deleted
 * file and saw no commit again. Closing a channel on the -shm file releases capture's read marks:
 * a writer may then restart the WAL over frames capture has not read.
 */
class ApplicationSessionsTest {
  @TempDir Path dir;

  @Test
  void sessionsThatCloseTheDatabase_leaveTheWalToCapture_andEveryCommitIsCaptured() throws Exception {
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    try (Connection setup = SqliteOracle.open(db); Statement st = setup.createStatement()) {
      st.execute("PRAGMA journal_mode=WAL");
      st.execute("CREATE TABLE c(id INTEGER PRIMARY KEY, v BLOB)");
    }
    int sessions = 3;
    int txns = 20;
    try (Capture capture = Capture.start(CaptureConfig.defaults(data).withDatabase("app", db))) {
      capture.awaitDurable("app", 0).get(60, TimeUnit.SECONDS);
      for (int s = 1; s <= sessions; s++) {
        Path log = dir.resolve("session-" + s + ".log");
        Process p = ChildProcess.start(ChildSession.class, log, db.toString(), String.valueOf(txns));
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("session %d: %s", s, Files.readString(log)).isZero();
        assertThat(Path.of(db + "-wal")).as("the WAL after session %d closed the database", s).exists();
        capture.awaitDurable("app", (long) s * txns).get(60, TimeUnit.SECONDS);
        Path probeLog = dir.resolve("probe-" + s + ".log");
        Process probe = ChildProcess.start(ChildLockProbe.class, probeLog, db.toString());
        assertThat(probe.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readAllLines(probeLog)).as("capture's locks, seen from another process, after session %d", s)
            .contains("database held", "shm held");
      }
      assertThat(capture.failure()).isEmpty();
    }
    long last = (long) sessions * txns;
    assertThat(assertDenseLsns(entries(data, "app"))).isEqualTo(last);
    Path replayed = replay(data, "app", last, dir.resolve("replayed.db"));
    assertThat(SqliteOracle.contents(replayed)).isEqualTo(SqliteOracle.contents(db));
  }
}
