package io.walflow.ingest.decode;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.LogReader;
import io.walflow.ingest.LogRecord;
import io.walflow.ingest.Replay;
import io.walflow.ingest.capture.SqliteOracle;
import io.walflow.ingest.capture.Workload;
import io.walflow.ingest.change.ChangeCodec;
import io.walflow.ingest.image.PageFile;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: the changes capture stores in the log, applied in LSN order to empty tables (starting
 * from the snapshot's rows), equal what SQLite holds at that commit (invariant 3), checked at
 * sampled LSNs against the database rebuilt from the log at the same LSN.
 */
class CapturedChangesTest {
  @TempDir Path dir;

  @Test
  void changesInTheLog_applied_equalSqliteAtEachSampledCommit() throws Exception {
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    int txns = 600;
    try (Connection w = SqliteOracle.open(db)) {
      Workload.prepare(w, 4096, 1000);
      try (Statement st = w.createStatement()) {
        st.execute("CREATE TABLE people(name TEXT PRIMARY KEY, age INTEGER, score REAL) WITHOUT ROWID");
        st.execute("INSERT INTO people VALUES ('ann', 31, 1.5), ('bob', 40, 2)");
      }
      Workload load = new Workload(seed, 3, Workload.AppCheckpoint.PASSIVE, 50);
      try (Capture c = Capture.start(CaptureConfig.defaults(data).withDatabase("app", db))) {
        c.awaitDurable("app", 0).get(30, TimeUnit.SECONDS);
        for (int i = 1; i <= txns; i++) {
          if (i == 200) {
            try (Statement st = w.createStatement()) {
              st.execute("ALTER TABLE t ADD COLUMN note TEXT DEFAULT 'none'");
            }
          } else if (i == 400) {
            try (Statement st = w.createStatement()) {
              st.execute("UPDATE people SET age = age + 1, score = 3");
            }
          } else {
            load.transaction(w);
          }
        }
        c.awaitDurable("app", txns).get(60, TimeUnit.SECONDS);
        assertThat(c.failure()).isEmpty();
      }
    }
    Model model = new Model();
    Path snapshotFile = dir.resolve("snapshot.db");
    PageFile snapshot = null;
    int checked = 0;
    try (LogReader reader = LogReader.open(data); CommitDecoder decoder = new CommitDecoder("app")) {
      reader.toStart();
      Optional<LogRecord> r;
      while ((r = reader.next()).isPresent()) {
        LogEntry e = r.get().entry();
        if (e instanceof LogEntry.Snapshot s) {
          if (s.partIndex() == 0) {
            snapshot = PageFile.open(snapshotFile, s.pageSize(), s.dbPageCount());
          }
          for (LogEntry.Page p : s.pages()) {
            snapshot.write(p.pgno(), p.data());
          }
          if (s.partIndex() == s.partCount() - 1) {
            snapshot.setPageCount(s.dbPageCount());
            model.apply(decoder.decodeSnapshot(snapshot));
            snapshot.close();
          }
          continue;
        }
        model.apply(ChangeCodec.decode(e.changes()));
        if (e.lsn() % 100 == 0 || e.lsn() == txns) {
          Path at = dir.resolve("at-" + e.lsn() + ".db");
          Replay.toFile(data, "app", OptionalLong.of(e.lsn()), at, l -> {});
          try (Connection conn = SqliteOracle.open(at)) {
            model.assertMatches(conn, "LSN " + e.lsn() + " (seed " + seed + ")");
          }
          checked++;
        }
      }
    }
    assertThat(checked).isEqualTo(txns / 100);
  }
}
