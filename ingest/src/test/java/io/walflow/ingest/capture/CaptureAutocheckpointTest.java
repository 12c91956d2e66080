package io.walflow.ingest.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.LogReader;
import io.walflow.ingest.LogRecord;
import io.walflow.ingest.Replay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaptureAutocheckpointTest {
  @TempDir Path dir;

  @Test
  void autocheckpointAtOnePage_losesNoCommit() throws Exception {
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    try (Connection w = SqliteOracle.open(db)) {
      try (Statement st = w.createStatement()) {
        st.execute("PRAGMA journal_mode=WAL");
        st.execute("PRAGMA wal_autocheckpoint=1");
        st.execute("PRAGMA busy_timeout=5000");
        st.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
      }
      int n = 3000;
      try (Capture capture = Capture.start(CaptureConfig.defaults(data).withDatabase("app", db))) {
        capture.awaitDurable("app", 0).get(30, TimeUnit.SECONDS);
        try (PreparedStatement ins = w.prepareStatement("INSERT INTO t(v) VALUES (?)")) {
          for (int i = 0; i < n; i++) {
            ins.setString(1, "v" + i);
            ins.executeUpdate();
          }
        }
        capture.awaitDurable("app", n).get(30, TimeUnit.SECONDS);
        assertThat(capture.failure()).isEmpty();
      }
      long expected = 0;
      try (LogReader r = LogReader.open(data)) {
        r.toStart();
        Optional<LogRecord> rec;
        while ((rec = r.next()).isPresent()) {
          LogEntry e = rec.get().entry();
          assertThat(e.lsn()).isEqualTo(expected);
          expected++;
        }
      }
      assertThat(expected).isEqualTo(n + 1);
      Path out = dir.resolve("replayed.db");
      Replay.toFile(data, "app", OptionalLong.empty(), out, l -> {});
      assertThat(SqliteOracle.integrity(out)).isEqualTo("ok");
      assertThat(SqliteOracle.contents(out)).isEqualTo(SqliteOracle.contents(w));
      try (Statement st = w.createStatement()) {
        st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
      }
      assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(db));
    }
  }
}
