package io.walflow.ingest.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WalPin#backfill()}, the unlocked first step of capture's checkpoint, with SQLite as the
 * oracle: it copies committed frames into the database file while an application transaction holds
 * the write lock (when the locked step cannot run).
 */
class WalPinBackfillTest {
  @TempDir Path dir;

  @Test
  void backfill_copiesWhatCaptureHasRead_whileTheApplicationHoldsTheWriteLock() throws Exception {
    Path db = dir.resolve("app.db");
    Path copy = dir.resolve("copy.db");
    try (Connection app = open(db); Statement st = app.createStatement()) {
      st.execute("PRAGMA journal_mode=WAL");
      st.execute("PRAGMA wal_autocheckpoint=0");
      st.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
      for (int i = 1; i <= 50; i++) {
        st.execute("INSERT INTO t VALUES (" + i + ", 'row " + i + "')");
      }
      try (WalPin pin = new WalPin("app", db)) {
        pin.acquire(); // capture's read mark: every committed frame
        st.execute("BEGIN IMMEDIATE"); // the application holds the write lock
        st.execute("INSERT INTO t VALUES (51, 'uncommitted')");

        assertThat(pin.checkpoint(() -> {}, false)).as("the locked step waits for the lock").isFalse();
        pin.backfill();
        // The database file alone (no WAL), before the last connection's close checkpoints the WAL.
        // Only a complete backfill leaves it consistent: SQLite copies each page's newest frame.
        Files.copy(db, copy);

        st.execute("COMMIT");
        pin.releasePrevious();
      }
    }
    assertThat(ids(copy)).as("rows in the database file after the backfill")
        .hasSize(50).startsWith(1).endsWith(50);
  }

  private static List<Integer> ids(Path db) throws Exception {
    List<Integer> out = new ArrayList<>();
    try (Connection c = open(db); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT id FROM t ORDER BY id")) {
      while (rs.next()) {
        out.add(rs.getInt(1));
      }
    }
    return out;
  }

  private static Connection open(Path db) throws Exception {
    return DriverManager.getConnection("jdbc:sqlite:" + db);
  }
}
