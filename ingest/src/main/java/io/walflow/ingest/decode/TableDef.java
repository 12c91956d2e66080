package io.walflow.ingest.decode;

import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.RealValue;
import io.walflow.ingest.change.Value;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the records of one table map to its columns.
 *
 * <p>A rowid table's record holds the stored columns in declaration order, with NULL in place of an
 * INTEGER PRIMARY KEY (the value is the rowid). A WITHOUT ROWID table's record holds the primary-key
 * columns first, in primary-key order, then the other columns in declaration order. Virtual
 * generated columns are not stored and are not part of {@link #columns()}. A record may be shorter
 * than the column list (columns added later by ALTER TABLE ADD COLUMN): missing columns read as
 * their default.
 *
 * @param name the table name
 * @param sql the CREATE TABLE statement as stored in sqlite_schema
 * @param withoutRowid whether the table is a WITHOUT ROWID table (an index b-tree)
 * @param columns stored columns in declaration order
 * @param rowidAlias index in {@code columns} of the INTEGER PRIMARY KEY, or -1
 * @param pkColumns indexes in {@code columns} of the primary key, in primary-key order (empty for
 *     a rowid table without a declared primary key)
 */
record TableDef(String name, String sql, boolean withoutRowid, List<ColumnDef> columns,
    int rowidAlias, List<Integer> pkColumns) {

  /** Column {@code c} has REAL affinity (precomputed: tested for every value decoded). */
  private static boolean[] realAffinities(List<ColumnDef> columns) {
    boolean[] real = new boolean[columns.size()];
    for (int c = 0; c < real.length; c++) {
      real[c] = columns.get(c).realAffinity();
    }
    return real;
  }

  /** The record field holding column {@code c}. */
  private int fieldOf(int c) {
    if (!withoutRowid) {
      return c;
    }
    int inPk = pkColumns.indexOf(c);
    if (inPk >= 0) {
      return inPk;
    }
    int field = pkColumns.size();
    for (int i = 0; i < c; i++) {
      if (!pkColumns.contains(i)) {
        field++;
      }
    }
    return field;
  }

  /**
   * Per column: its record field and whether it has REAL affinity. Computed once per table and
   * commit rather than per value.
   */
  record Layout(int[] fields, boolean[] real) {}

  Layout layout() {
    int[] map = new int[columns.size()];
    for (int c = 0; c < map.length; c++) {
      map[c] = fieldOf(c);
    }
    return new Layout(map, realAffinities(columns));
  }

  /**
   * The row held by {@code record}: every column by name in declaration order.
   *
   * @param layout {@link #layout()}
   * @param rowid the cell's rowid (ignored for WITHOUT ROWID tables)
   */
  Map<String, Value> row(Value[] record, Layout layout, long rowid) {
    int[] fields = layout.fields();
    Map<String, Value> row = new LinkedHashMap<>(columns.size() * 2);
    for (int c = 0; c < columns.size(); c++) {
      ColumnDef col = columns.get(c);
      Value v;
      if (c == rowidAlias) {
        v = new IntegerValue(rowid);
      } else if (fields[c] < record.length) {
        v = record[fields[c]];
      } else {
        // Short record: the column was added after the row was written.
        v = col.defaultValue().orElse(NullValue.INSTANCE);
      }
      if (v instanceof IntegerValue i && layout.real()[c]) {
        v = new RealValue(i.value());
      }
      row.put(col.name(), v);
    }
    return Collections.unmodifiableMap(row);
  }

  /** The key of {@code row}: primary-key columns by name, or {@code rowid} without one. */
  Map<String, Value> key(Map<String, Value> row, long rowid) {
    if (pkColumns.isEmpty()) {
      return Map.of("rowid", new IntegerValue(rowid));
    }
    Map<String, Value> key = new LinkedHashMap<>();
    for (int c : pkColumns) {
      String n = columns.get(c).name();
      key.put(n, row.get(n));
    }
    return key;
  }

  /** The primary key's column names in order (the "key shape" a consumer keys rows by). */
  List<String> keyNames() {
    List<String> names = new ArrayList<>();
    for (int c : pkColumns) {
      names.add(columns.get(c).name());
    }
    return names;
  }

  /** Column names in declaration order. */
  List<String> columnNames() {
    List<String> names = new ArrayList<>(columns.size());
    for (ColumnDef c : columns) {
      names.add(c.name());
    }
    return names;
  }
}
