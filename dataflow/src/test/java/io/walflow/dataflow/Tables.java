package io.walflow.dataflow;

import io.walflow.dataflow.plan.Affinity;
import io.walflow.dataflow.plan.Plan;
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

/** A rowid table for hand-fed tests: its CREATE, its scan, and row changes by id. */
record Tables(String db, String name, List<String> columns, List<String> types) {

  SchemaChange create() {
    List<Column> cols = new java.util.ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      cols.add(Column.of(columns.get(i), types.get(i), i == 0 ? 1 : 0, false));
    }
    return new SchemaChange(name, SchemaOp.CREATE_TABLE, "CREATE TABLE " + name, cols, Optional.empty());
  }

  Plan.Scan scan() {
    return new Plan.Scan(db, name, columns, types.stream().map(Affinity::ofDeclaredType).toList());
  }

  private Map<String, Value> row(Object... values) {
    Map<String, Value> m = new LinkedHashMap<>();
    for (int i = 0; i < values.length; i++) {
      m.put(columns.get(i), value(values[i]));
    }
    return m;
  }

  static Value value(Object o) {
    if (o == null) {
      return Value.ofNull();
    }
    if (o instanceof Integer i) {
      return Value.of((long) i);
    }
    if (o instanceof Long l) {
      return Value.of(l);
    }
    if (o instanceof Double d) {
      return Value.of(d);
    }
    return Value.of((String) o);
  }

  RowChange insert(Object... values) {
    long id = ((Number) values[0]).longValue();
    return new RowChange(name, Op.INSERT, OptionalLong.of(id), Map.of("rowid", Value.of(id)), Map.of(), row(values));
  }

  RowChange update(Object[] before, Object... after) {
    long id = ((Number) after[0]).longValue();
    return new RowChange(name, Op.UPDATE, OptionalLong.of(id), Map.of("rowid", Value.of(id)), row(before),
        row(after));
  }

  RowChange delete(Object... before) {
    long id = ((Number) before[0]).longValue();
    return new RowChange(name, Op.DELETE, OptionalLong.of(id), Map.of("rowid", Value.of(id)), row(before), Map.of());
  }
}
