package io.walflow.replica;

import static io.walflow.replica.Changes.col;
import static io.walflow.replica.Changes.create;
import static io.walflow.replica.Changes.insert;
import static io.walflow.replica.Changes.row;
import static io.walflow.replica.Changes.rows;
import static io.walflow.replica.Changes.set;
import static io.walflow.replica.Changes.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.change.Op;
import io.walflow.ingest.change.RowChange;
import io.walflow.ingest.change.Value;
import io.walflow.ingest.feed.TransactionSink;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replica's apply rules and reads, driven through its sink with hand-made transactions. */
class ReplicaApplyTest {
  @TempDir Path dir;

  private static final Instant T = Instant.parse("2026-01-02T03:04:05Z");

  private static void snapshot(TransactionSink sink, String db, long lsn, RowChange... rows) {
    sink.snapshotBegin(db, lsn, T);
    sink.snapshotChange(db, lsn, create("t", "CREATE TABLE t(id INTEGER PRIMARY KEY, v)", col("id", "INTEGER", 1), col("v", "", 0)));
    for (RowChange r : rows) {
      sink.snapshotChange(db, lsn, r);
    }
    sink.snapshotEnd(db, lsn);
  }

  private static Map<String, Value> tRow(long id, Value v) {
    return row("id", Value.of(id), "v", v);
  }

  private static List<Map<String, Value>> all(Replica r, String db, String table) {
    List<Map<String, Value>> out = new ArrayList<>();
    Optional<String> after = Optional.empty();
    do {
      RangeRead page = r.scan(db, table, after, 2, Freshness.ANY);
      out.addAll(page.rows());
      after = page.next();
    } while (after.isPresent());
    return out;
  }

  @Test
  void commits_applyInOrder_redeliverySkipped_gapStops() {
    try (Replica r = Replica.open(ReplicaConfig.of("eu", dir))) {
      TransactionSink sink = r.sink();
      sink.commit("app", 1, T, rows(insert("t", 1, tRow(1, Value.of("x"))))); // before any snapshot: ignored
      assertThat(r.status().databases().get("app").state()).isEqualTo(ApplyState.WAITING_FOR_SNAPSHOT);
      snapshot(sink, "app", 0, insert("t", 1, tRow(1, Value.of("a"))));
      sink.commit("app", 1, T, rows(insert("t", 2, tRow(2, Value.of("b")))));
      sink.commit("app", 2, T, rows(update("t", 1, tRow(1, Value.of("a")), tRow(1, Value.of("a2")))));
      sink.commit("app", 2, T, rows(insert("t", 99, tRow(99, Value.of("dup"))))); // redelivered LSN: skipped
      assertThat(r.lsn("app")).isEqualTo(2);
      assertThat(all(r, "app", "t")).containsExactly(tRow(1, Value.of("a2")), tRow(2, Value.of("b")));

      sink.commit("app", 4, T, rows(insert("t", 4, tRow(4, Value.of("d"))))); // 3 is missing
      DatabaseStatus s = r.status().databases().get("app");
      assertThat(s.state()).isEqualTo(ApplyState.GAP);
      assertThat(s.reason().orElseThrow()).contains("LSN 4").contains("3..3");
      sink.commit("app", 5, T, rows(insert("t", 5, tRow(5, Value.of("e")))));
      assertThat(r.lsn("app")).isEqualTo(2);
      assertThat(r.get("app", "t", List.of(Value.of(4)), Freshness.ANY).row()).isEmpty();

      // A snapshot replaces the database and heals the gap.
      snapshot(sink, "app", 6, insert("t", 7, tRow(7, Value.of("g"))));
      assertThat(r.status().databases().get("app").state()).isEqualTo(ApplyState.OK);
      assertThat(r.lsn("app")).isEqualTo(6);
      assertThat(all(r, "app", "t")).containsExactly(tRow(7, Value.of("g")));
      // A retention snapshot at the applied LSN changes nothing.
      snapshot(sink, "app", 6, insert("t", 8, tRow(8, Value.of("h"))));
      assertThat(all(r, "app", "t")).containsExactly(tRow(7, Value.of("g")));
    }
    // Everything survives a restart.
    try (Replica r = Replica.open(ReplicaConfig.of("eu", dir))) {
      assertThat(r.lsn("app")).isEqualTo(6);
      assertThat(r.get("app", "t", List.of(Value.of(7)), Freshness.ANY)).isEqualTo(
          new PointRead(6, Optional.of(tRow(7, Value.of("g")))));
    }
  }

  @Test
  void schemaChanges_addRenameDropTables_andColumnsReadTheirDefaults() {
    try (Replica r = Replica.open(ReplicaConfig.of("eu", dir))) {
      TransactionSink sink = r.sink();
      snapshot(sink, "app", 0, insert("t", 1, tRow(1, Value.of("a"))));
      // ADD COLUMN w DEFAULT 7: the stored row reads 7.
      sink.commit("app", 1, T, set(List.of(Changes.alter("t", Optional.empty(), "CREATE TABLE t(id INTEGER PRIMARY KEY, v, w DEFAULT 7)",
          col("id", "INTEGER", 1), col("v", "", 0), Changes.withDefault("w", "", Value.of(7))))));
      assertThat(r.get("app", "t", List.of(Value.of(1)), Freshness.ANY).row().orElseThrow())
          .isEqualTo(row("id", Value.of(1), "v", Value.of("a"), "w", Value.of(7)));
      // RENAME COLUMN v TO v2 and RENAME TABLE t TO u in one commit, plus a new row.
      sink.commit("app", 2, T, set(List.of(Changes.alter("u", Optional.of("t"), "CREATE TABLE u(id INTEGER PRIMARY KEY, v2, w DEFAULT 7)",
          col("id", "INTEGER", 1), col("v2", "", 0).withPreviousName("v"), Changes.withDefault("w", "", Value.of(7)))),
          insert("u", 2, row("id", Value.of(2), "v2", Value.of("b"), "w", Value.of(8)))));
      assertThatThrownBy(() -> r.get("app", "t", List.of(Value.of(1)), Freshness.ANY))
          .isInstanceOf(UnknownNameException.class).hasMessageContaining("[u]");
      assertThat(all(r, "app", "u")).containsExactly(
          row("id", Value.of(1), "v2", Value.of("a"), "w", Value.of(7)),
          row("id", Value.of(2), "v2", Value.of("b"), "w", Value.of(8)));
      // DROP COLUMN v2, then a new table and a WITHOUT ROWID table with a composite key.
      sink.commit("app", 3, T, set(List.of(
          Changes.alter("u", Optional.empty(), "CREATE TABLE u(id INTEGER PRIMARY KEY, w DEFAULT 7)", col("id", "INTEGER", 1), Changes.withDefault("w", "", Value.of(7))),
          create("kv", "CREATE TABLE kv(a TEXT, b INT, v, PRIMARY KEY(b, a)) WITHOUT ROWID", col("a", "TEXT", 2), col("b", "INT", 1), col("v", "", 0))),
          new RowChange("kv", Op.INSERT, OptionalLong.empty(), row("b", Value.of(2), "a", Value.of("x")), Map.of(),
              row("a", Value.of("x"), "b", Value.of(2), "v", Value.of(1.5))),
          new RowChange("kv", Op.INSERT, OptionalLong.empty(), row("b", Value.of(1), "a", Value.of("z")), Map.of(),
              row("a", Value.of("z"), "b", Value.of(1), "v", Value.ofNull())),
          new RowChange("kv", Op.INSERT, OptionalLong.empty(), row("b", Value.of(2), "a", Value.of("a")), Map.of(),
              row("a", Value.of("a"), "b", Value.of(2), "v", Value.of(new byte[] {1, 2})))));
      assertThat(all(r, "app", "u")).containsExactly(row("id", Value.of(1), "w", Value.of(7)), row("id", Value.of(2), "w", Value.of(8)));
      assertThat(all(r, "app", "kv")).extracting(m -> m.get("a")).containsExactly(Value.of("z"), Value.of("a"), Value.of("x"));
      assertThat(r.get("app", "kv", List.of(Value.of(2), Value.of("x")), Freshness.ANY).row().orElseThrow().get("v"))
          .isEqualTo(Value.of(1.5));
      assertThatThrownBy(() -> r.get("app", "kv", List.of(Value.of(2)), Freshness.ANY))
          .isInstanceOf(BadReadException.class).hasMessageContaining("2 column(s) [b, a]");
      // DROP TABLE u; re-create it empty.
      sink.commit("app", 4, T, set(List.of(Changes.drop("u"),
          create("u", "CREATE TABLE u(id INTEGER PRIMARY KEY)", col("id", "INTEGER", 1)))));
      assertThat(all(r, "app", "u")).isEmpty();
      assertThat(r.status().databases().get("app").tables()).isEqualTo(2);
    }
  }

  @Test
  void minLsn_waitsForTheApply_orTimesOutWithTheCurrentLsn() throws Exception {
    try (Replica r = Replica.open(ReplicaConfig.of("eu", dir))) {
      TransactionSink sink = r.sink();
      snapshot(sink, "app", 0);
      CompletableFuture<PointRead> read = CompletableFuture.supplyAsync(
          () -> r.get("app", "t", List.of(Value.of(1)), Freshness.atLeast(1, Duration.ofSeconds(30))));
      Thread.sleep(50); // give the read time to start waiting; the assertion below is on its answer, not on timing
      assertThat(read).isNotDone();
      sink.commit("app", 1, T, rows(insert("t", 1, tRow(1, Value.of("mine")))));
      assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo(new PointRead(1, Optional.of(tRow(1, Value.of("mine")))));
      assertThatThrownBy(() -> r.scan("app", "t", Optional.empty(), 10, Freshness.atLeast(5, Duration.ofMillis(50))))
          .isInstanceOfSatisfying(LsnTimeoutException.class, e -> {
            assertThat(e.current()).isEqualTo(1);
            assertThat(e.wanted()).isEqualTo(5);
          });
    }
  }

  @Test
  void badReads_nameTheProblem() {
    try (Replica r = Replica.open(ReplicaConfig.of("eu", dir))) {
      snapshot(r.sink(), "app", 0, insert("t", 1, tRow(1, Value.of("a"))));
      assertThatThrownBy(() -> r.get("nope", "t", List.of(Value.of(1)), Freshness.ANY))
          .isInstanceOf(UnknownNameException.class).hasMessageContaining("database 'nope'").hasMessageContaining("[app]");
      assertThatThrownBy(() -> r.get("app", "t", List.of(Value.of("1")), Freshness.ANY))
          .isInstanceOf(BadReadException.class).hasMessageContaining("rowid");
      assertThatThrownBy(() -> r.scan("app", "t", Optional.of("!!"), 10, Freshness.ANY))
          .isInstanceOf(BadReadException.class).hasMessageContaining("cursor");
      assertThatThrownBy(() -> r.scan("app", "t", Optional.of("AAAA"), 10, Freshness.ANY))
          .isInstanceOf(BadReadException.class).hasMessageContaining("8 bytes");
      assertThatThrownBy(() -> r.scan("app", "t", Optional.empty(), 10_001, Freshness.ANY))
          .isInstanceOf(BadReadException.class).hasMessageContaining("limit");
    }
  }

  /**
   * Cache coherence and atomicity: every commit sets both rows of a table to its LSN. A point read
   * must never return a value older than the LSN it reports (the cache is invalidated in the
   * same critical section as the write); a scan must return both rows at exactly its LSN.
   */
  @Test
  void readsDuringApply_neverOlderThanTheirLsn_scansAtomic() throws Exception {
    try (Replica r = Replica.open(ReplicaConfig.of("eu", dir).withCacheRows(1000))) {
      TransactionSink sink = r.sink();
      snapshot(sink, "app", 0, insert("t", 1, tRow(1, Value.of(0))), insert("t", 2, tRow(2, Value.of(0))));
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<String> failure = new AtomicReference<>();
      List<Thread> readers = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        boolean scans = i == 1;
        Thread t = new Thread(() -> {
          while (!stop.get() && failure.get() == null) {
            if (scans) {
              RangeRead page = r.scan("app", "t", Optional.empty(), 10, Freshness.ANY);
              for (Map<String, Value> row : page.rows()) {
                if (!row.get("v").equals(Value.of(page.lsn()))) {
                  failure.set("scan at LSN " + page.lsn() + " returned " + page.rows());
                }
              }
            } else {
              for (long id = 1; id <= 2; id++) {
                PointRead p = r.get("app", "t", List.of(Value.of(id)), Freshness.ANY);
                long v = ((io.walflow.ingest.change.IntegerValue) p.row().orElseThrow().get("v")).value();
                if (v < p.lsn()) {
                  failure.set("point read at LSN " + p.lsn() + " returned the row of LSN " + v);
                }
              }
            }
          }
        });
        t.start();
        readers.add(t);
      }
      for (long lsn = 1; lsn <= 3000; lsn++) {
        sink.commit("app", lsn, T, rows(update("t", 1, tRow(1, Value.of(lsn - 1)), tRow(1, Value.of(lsn))),
            update("t", 2, tRow(2, Value.of(lsn - 1)), tRow(2, Value.of(lsn)))));
      }
      stop.set(true);
      for (Thread t : readers) {
        t.join();
      }
      assertThat(failure.get()).isNull();
      assertThat(r.status().cacheHits()).isPositive();
    }
  }

  @Test
  void emptyChangeSet_advancesTheWatermark() {
    try (Replica r = Replica.open(ReplicaConfig.of("eu", dir))) {
      snapshot(r.sink(), "app", 0);
      r.sink().commit("app", 1, T, ChangeSet.EMPTY);
      assertThat(r.lsn("app")).isEqualTo(1);
      assertThat(r.status().databases().get("app").committedAt()).contains(T);
    }
  }
}
