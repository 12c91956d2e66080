package io.walflow.replica;

import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.change.Column;
import io.walflow.ingest.change.Op;
import io.walflow.ingest.change.RowChange;
import io.walflow.ingest.change.SchemaChange;
import io.walflow.ingest.change.SchemaOp;
import io.walflow.ingest.change.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** Builders of change sets for tests that drive the replica's sink directly. */
final class Changes {
  private Changes() {}

  static SchemaChange create(String table, String sql, Column... columns) {
    return new SchemaChange(table, SchemaOp.CREATE_TABLE, sql, List.of(columns), Optional.empty());
  }

  static SchemaChange alter(String table, Optional<String> previousName, String sql, Column... columns) {
    return new SchemaChange(table, SchemaOp.ALTER_TABLE, sql, List.of(columns), previousName);
  }

  static SchemaChange drop(String table) {
    return new SchemaChange(table, SchemaOp.DROP_TABLE, "CREATE TABLE " + table + "(x)", List.of(), Optional.empty());
  }

  static Column col(String name, String type, int pk) {
    return Column.of(name, type, pk, false);
  }

  static Column withDefault(String name, String type, Value def) {
    return new Column(name, type, 0, false, Optional.of(def.toString()), Optional.of(def), Optional.empty());
  }

  static Map<String, Value> row(Object... nameValue) {
    Map<String, Value> m = new LinkedHashMap<>();
    for (int i = 0; i < nameValue.length; i += 2) {
      m.put((String) nameValue[i], (Value) nameValue[i + 1]);
    }
    return m;
  }

  /** A change of a rowid table whose INTEGER PRIMARY KEY column is {@code id}. */
  static RowChange rowid(String table, Op op, long rowid, Map<String, Value> before, Map<String, Value> after) {
    return new RowChange(table, op, OptionalLong.of(rowid), Map.of("id", Value.of(rowid)), before, after);
  }

  static RowChange insert(String table, long rowid, Map<String, Value> after) {
    return rowid(table, Op.INSERT, rowid, Map.of(), after);
  }

  static RowChange update(String table, long rowid, Map<String, Value> before, Map<String, Value> after) {
    return rowid(table, Op.UPDATE, rowid, before, after);
  }

  static RowChange delete(String table, long rowid, Map<String, Value> before) {
    return rowid(table, Op.DELETE, rowid, before, Map.of());
  }

  static ChangeSet set(List<SchemaChange> schema, RowChange... rows) {
    return new ChangeSet(schema, List.of(rows));
  }

  static ChangeSet rows(RowChange... rows) {
    return new ChangeSet(List.of(), List.of(rows));
  }
}
