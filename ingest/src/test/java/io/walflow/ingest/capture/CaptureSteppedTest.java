package io.walflow.ingest.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.LogReader;
import io.walflow.ingest.LogRecord;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Capture driven step by step (the simulation's entry point): each step's entries are in the log when it returns. */
class CaptureSteppedTest {
  @TempDir Path dir;

  @Test
  void step_appendsWhatIsCommitted_andACrashResumesAfterTheLastEntry() throws Exception {
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    CaptureConfig cfg = CaptureConfig.defaults(data).withDatabase("app", db).withMinFreeDiskBytes(0);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA wal_autocheckpoint=0");
      s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v)");
      CaptureService capture = CaptureService.openStepped(cfg, DecodingChangeEncoder::new);
      try (LogReader reader = LogReader.open(data)) {
        assertThat(capture.step("app")).isZero();
        assertThat(read(reader)).containsExactly("snapshot 0");
        for (int i = 1; i <= 3; i++) {
          s.execute("INSERT INTO t VALUES (" + i + ", 'x')");
        }
        assertThat(read(reader)).as("nothing is read between steps").isEmpty();
        assertThat(capture.step("app")).isEqualTo(3);
        assertThat(read(reader)).containsExactly("commit 1", "commit 2", "commit 3");

        capture.close(); // a crash: nothing more is read
        s.execute("INSERT INTO t VALUES (4, 'y')");
        capture = CaptureService.openStepped(cfg, DecodingChangeEncoder::new);
        assertThat(capture.step("app")).isEqualTo(1);
        assertThat(read(reader)).containsExactly("commit 4");
        CaptureService stepped = capture;
        assertThatThrownBy(() -> stepped.step("other")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("no database 'other'");
      } finally {
        capture.close();
      }
    }
  }

  private static List<String> read(LogReader reader) {
    List<String> out = new ArrayList<>();
    Optional<LogRecord> r;
    while ((r = reader.next()).isPresent()) {
      LogEntry e = r.get().entry();
      out.add((e instanceof LogEntry.Snapshot ? "snapshot " : "commit ") + e.lsn());
    }
    return out;
  }
}
