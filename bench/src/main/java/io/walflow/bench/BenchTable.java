package io.walflow.bench;

import io.walflow.dataflow.Dataflow;
import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.change.Column;
import io.walflow.ingest.change.Op;
import io.walflow.ingest.change.RowChange;
import io.walflow.ingest.change.SchemaChange;
import io.walflow.ingest.change.SchemaOp;
import io.walflow.ingest.change.Value;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The table the dataflow benchmarks feed: {@code t(id INTEGER PRIMARY KEY, k INTEGER, v INTEGER)}
 * with {@code rows} rows spread over {@code groups} values of {@code k}, loaded into an engine as
 * database {@code app}'s snapshot at LSN 0, and the row changes of later transactions (updates of
 * {@code v}, with the before-images the engine needs, kept consistent with what it holds).
 */
final class BenchTable {
  static final String DB = "app";
  private final int groups;
  private final long[] v;
  private long lsn;

  BenchTable(Dataflow engine, int rows, int groups) {
    this.groups = groups;
    this.v = new long[rows];
    engine.snapshotBegin(DB, 0, Instant.EPOCH);
    engine.snapshotChange(DB, 0, new SchemaChange("t", SchemaOp.CREATE_TABLE, "CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, v INTEGER)",
        List.of(Column.of("id", "INTEGER", 1, false), Column.of("k", "INTEGER", 0, false), Column.of("v", "INTEGER", 0, false)),
        Optional.empty()));
    for (int id = 0; id < rows; id++) {
      v[id] = id % 4;
      engine.snapshotChange(DB, 0, new RowChange("t", Op.INSERT, OptionalLong.of(id), Map.of("rowid", Value.of(id)), Map.of(),
          row(id, v[id])));
    }
    engine.snapshotEnd(DB, 0);
  }

  /**
   * Commits one transaction updating {@code n} consecutive rows from {@code first} ({@code v} moves
   * through -1..2, so rows enter and leave a {@code v > 0} filter).
   */
  void commitUpdates(Dataflow engine, int first, int n) {
    List<RowChange> changes = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int id = (first + i) % v.length;
      long before = v[id];
      long after = (before + 2) % 4 - 1;
      v[id] = after;
      changes.add(new RowChange("t", Op.UPDATE, OptionalLong.of(id), Map.of("rowid", Value.of(id)), row(id, before),
          row(id, after)));
    }
    engine.commit(DB, ++lsn, Instant.EPOCH, new ChangeSet(List.of(), changes));
  }

  int rows() {
    return v.length;
  }

  private Map<String, Value> row(long id, long value) {
    Map<String, Value> m = new LinkedHashMap<>();
    m.put("id", Value.of(id));
    m.put("k", Value.of(id % groups));
    m.put("v", Value.of(value));
    return m;
  }
}
