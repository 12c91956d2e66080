package io.walflow.dataflow.graph;

import io.walflow.dataflow.plan.Affinity;
import io.walflow.dataflow.state.BaseStore;
import io.walflow.ingest.change.Column;
import io.walflow.ingest.change.Value;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One captured table's rows in the {@link BaseStore}, its columns as of the last schema change, the
 * indexes upqueries asked for, and the scan operators fed from it.
 */
public final class BaseTable {
  private final BaseStore store;
  private final String db;
  private String name;
  private final int id;
  private List<Column> columns;
  private final Map<List<Integer>, Integer> indexes = new HashMap<>();
  final List<ScanNode> scans = new ArrayList<>();

  BaseTable(BaseStore store, String db, String name, List<Column> columns) {
    this.store = store;
    this.db = db;
    this.name = name;
    this.columns = List.copyOf(columns);
    this.id = store.createTable();
  }

  public String db() {
    return db;
  }

  public String name() {
    return name;
  }

  public List<Column> columns() {
    return columns;
  }

  /** The table's new name after ALTER TABLE … RENAME TO (its rows stay). */
  void renameTo(String newName) {
    this.name = newName;
  }

  int id() {
    return id;
  }

  /** The position of column {@code name}, or -1. */
  int columnIndex(String column) {
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).name().equalsIgnoreCase(column)) {
        return i;
      }
    }
    return -1;
  }

  /** The affinity of column {@code i}, from its declared type. */
  Affinity affinity(int i) {
    return Affinity.ofDeclaredType(columns.get(i).type());
  }

  /** A row change's map of values as a row in column order (missing columns read as their default). */
  public Value[] toRow(Map<String, Value> values) {
    Value[] row = new Value[columns.size()];
    for (int i = 0; i < row.length; i++) {
      Column c = columns.get(i);
      Value v = values.get(c.name());
      row[i] = v != null ? v : c.defaultValue().orElse(Value.ofNull());
    }
    return row;
  }

  /**
   * Takes the table's new columns after an ALTER TABLE: stored rows are rewritten (renamed columns
   * keep their values, added ones take their default) and the indexes are dropped.
   */
  public void alter(List<Column> newColumns) {
    List<Column> old = columns;
    int[] from = new int[newColumns.size()];
    Value[] defaults = new Value[newColumns.size()];
    for (int i = 0; i < from.length; i++) {
      Column c = newColumns.get(i);
      String was = c.previousName().orElse(c.name());
      from[i] = -1;
      for (int j = 0; j < old.size(); j++) {
        if (old.get(j).name().equals(was)) {
          from[i] = j;
        }
      }
      defaults[i] = c.defaultValue().orElse(Value.ofNull());
    }
    store.rewrite(id, row -> {
      Value[] out = new Value[from.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = from[i] >= 0 && from[i] < row.length ? row[from[i]] : defaults[i];
      }
      return out;
    });
    indexes.clear();
    columns = List.copyOf(newColumns);
  }

  /** Deletes the stored rows. */
  void drop() {
    store.dropTable(id);
  }

  /**
   * Rows whose {@code cols} equal {@code key} (all rows when {@code cols} is empty). Synchronized:
   * lazy join fills of different components may ask for the same new index at once.
   */
  synchronized List<Value[]> lookup(int[] cols, Key key) {
    List<Value[]> out = new ArrayList<>();
    if (cols.length == 0) {
      store.scan(id, out::add);
      return out;
    }
    Integer index = indexes.get(Arrays.stream(cols).boxed().toList());
    if (index == null) {
      int[] c = cols.clone();
      index = store.createIndex(id, row -> Semantics.key(new Row(row), c).hashCode());
      indexes.put(Arrays.stream(cols).boxed().toList(), index);
    }
    for (Value[] row : store.lookup(id, index, key.hashCode())) {
      Row r = new Row(row);
      if (!Semantics.hasNull(r, cols) && Semantics.key(r, cols).equals(key)) {
        out.add(row);
      }
    }
    return out;
  }

  /**
   * Rows whose {@code cols} equal {@code key} (all rows when {@code cols} is empty) as they were
   * when {@code at} was taken; reads the whole table and creates no index (a view being built off
   * the transaction lock must not write to the store).
   */
  List<Value[]> lookup(int[] cols, Key key, BaseStore.Snapshot at) {
    List<Value[]> out = new ArrayList<>();
    store.scan(id, at, row -> {
      Row r = new Row(row);
      if (cols.length == 0 || (!Semantics.hasNull(r, cols) && Semantics.key(r, cols).equals(key))) {
        out.add(row);
      }
    });
    return out;
  }

  /** Writes one row change into {@code batch}; {@code old}/{@code now} are null when absent. */
  void write(BaseStore.Batch batch, byte[] key, Value[] old, Value[] now) {
    if (now == null) {
      batch.delete(id, key, old);
    } else {
      batch.put(id, key, now, old);
    }
  }
}
