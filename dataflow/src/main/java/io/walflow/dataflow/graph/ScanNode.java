package io.walflow.dataflow.graph;

import io.walflow.dataflow.plan.Plan;
import io.walflow.dataflow.state.BaseStore;
import io.walflow.ingest.change.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * The rows of a base table as a {@link Plan.Scan} names them: the table's columns picked by name
 * (a table that gained columns keeps feeding scans of its older columns). The graph's sources;
 * upqueries read the base-table store through its indexes.
 */
final class ScanNode extends Node {
  private BaseTable table;
  private int[] mapping;
  /** While a view is built off the transaction lock: the store snapshot it reads; null when live. */
  private BaseStore.Snapshot snapshot;

  ScanNode(Plan.Scan plan, BaseTable table) {
    super(plan, List.of(), new int[0]);
    bind(table);
  }

  /**
   * Binds to the table's current columns.
   *
   * @return a description of the incompatibility, or null when every column is still there with
   *     the same affinity
   */
  String bind(BaseTable t) {
    Plan.Scan scan = (Plan.Scan) plan;
    int[] m = new int[scan.columns().size()];
    for (int i = 0; i < m.length; i++) {
      m[i] = t.columnIndex(scan.columns().get(i));
      if (m[i] < 0) {
        return "column " + scan.columns().get(i) + " of " + scan.db() + "." + scan.table() + " no longer exists";
      }
      if (t.affinity(m[i]) != scan.affinities().get(i)) {
        return "column " + scan.columns().get(i) + " of " + scan.db() + "." + scan.table() + " changed its type";
      }
    }
    this.table = t;
    this.mapping = m;
    return null;
  }

  BaseTable table() {
    return table;
  }

  /** Reads the table as of {@code at} (a private scan of a view being built) or live (null). */
  void readAt(BaseStore.Snapshot at) {
    this.snapshot = at;
  }

  @Override
  boolean partial() {
    return false;
  }

  /** A table row as this scan's row. */
  Row project(Value[] tableRow) {
    Value[] out = new Value[mapping.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = tableRow[mapping[i]];
    }
    return new Row(out);
  }

  /** Table-row deltas (already in scan form) pass through. */
  @Override
  List<Delta> process(int port, List<Delta> deltas) {
    return deltas;
  }

  @Override
  List<Row> pull(int[] columns, Key key) {
    int[] cols = new int[columns.length];
    for (int i = 0; i < cols.length; i++) {
      cols[i] = mapping[columns[i]];
    }
    List<Row> out = new ArrayList<>();
    for (Value[] r : snapshot == null ? table.lookup(cols, key) : table.lookup(cols, key, snapshot)) {
      out.add(project(r));
    }
    return out;
  }
}
