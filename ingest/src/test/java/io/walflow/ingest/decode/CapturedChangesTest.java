package io.walflow.ingest.decode;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.LogReader;
import io.walflow.ingest.LogRecord;
import io.walflow.ingest.Replay;
import io.walflow.ingest.capture.SqliteOracle;
import io.walflow.ingest.capture.Workload;
import io.walflow.ingest.change.Change;
import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.change.RowChange;
import io.walflow.ingest.change.SchemaChange;
import io.walflow.ingest.feed.ChangeFeed;
import io.walflow.ingest.feed.TransactionSink;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: the changes capture stores in the log, applied in LSN order to empty tables (starting
 * from the snapshot's rows), equal what SQLite holds at that commit (invariant 3), checked at
 * sampled LSNs against the database rebuilt from the log at the same LSN. Reads the log through {@link ChangeFeed}, as consumers do.
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
    int[] checked = {0};
    List<SchemaChange> snapshotSchema = new ArrayList<>();
    List<RowChange> snapshotRows = new ArrayList<>();
    TransactionSink sink = new TransactionSink() {
      @Override
      public void snapshotBegin(String name, long lsn, Instant at) {
        snapshotSchema.clear();
        snapshotRows.clear();
      }

      @Override
      public void snapshotChange(String name, long lsn, Change change) {
        if (change instanceof SchemaChange s) {
          snapshotSchema.add(s);
        } else {
          snapshotRows.add((RowChange) change);
        }
      }

      @Override
      public void snapshotEnd(String name, long lsn) {
        model.apply(new ChangeSet(snapshotSchema, snapshotRows));
      }

      @Override
      public void commit(String name, long lsn, Instant at, ChangeSet changes) {
        model.apply(changes);
        if (lsn % 100 == 0 || lsn == txns) {
          try {
            Path replayed = dir.resolve("at-" + lsn + ".db");
            Replay.toFile(data, "app", OptionalLong.of(lsn), replayed, l -> {});
            try (Connection conn = SqliteOracle.open(replayed)) {
              model.assertMatches(conn, "LSN " + lsn + " (seed " + seed + ")");
            }
          } catch (Exception e) {
            throw new AssertionError(e);
          }
          checked[0]++;
        }
      }
    };
    try (LogReader reader = LogReader.open(data); ChangeFeed feed = new ChangeFeed(dir.resolve("tmp"), sink)) {
      reader.toStart();
      Optional<LogRecord> r;
      while ((r = reader.next()).isPresent()) {
        feed.accept(r.get().entry());
      }
    }
    assertThat(checked[0]).isEqualTo(txns / 100);
  }
}
