package io.walflow.dataflow;

import io.walflow.dataflow.eval.RowFunction;
import io.walflow.dataflow.graph.Key;
import io.walflow.dataflow.graph.Row;
import io.walflow.dataflow.graph.Semantics;
import io.walflow.dataflow.graph.ViewGraph;
import io.walflow.dataflow.plan.ViewPlan;
import io.walflow.dataflow.plan.Affinity;
import io.walflow.ingest.change.BlobValue;
import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.TextValue;
import io.walflow.ingest.change.Value;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One registered view: its plan, its operators (absent once failed), its subscriptions and pinned
 * keys. Guarded by the engine's lock.
 */
final class View {
  final String name;
  final ViewPlan plan;
  ViewGraph graph;
  String failure;
  /** Keys with open subscriptions: reported by the reader, never evicted. */
  final Set<Key> watched = ConcurrentHashMap.newKeySet();
  final Map<Key, List<Subscription>> subscriptions = new HashMap<>();
  private final Comparator<Row> order;
  private final List<RowFunction> emptyRow;
  /** The plan's output columns the query selects, in SELECT order. */
  private final int[] visibleColumns;

  View(String name, ViewPlan plan) {
    this.name = name;
    this.plan = plan;
    this.visibleColumns = plan.visibleColumns().stream().mapToInt(Integer::intValue).toArray();
    this.order = plan.order().isEmpty() ? null : Semantics.rowOrder(plan.order());
    this.emptyRow = plan.emptyKeyRow().map(l -> l.stream().map(Semantics::function).toList()).orElse(null);
  }

  /** A subscription: its listener and the parameter values of its key. */
  static final class Subscription {
    final ViewListener listener;
    final Value[] params;
    final Key key;
    boolean open = true;

    Subscription(ViewListener listener, Value[] params, Key key) {
      this.listener = listener;
      this.params = params;
      this.key = key;
    }
  }

  /** The parameters coerced with their affinities. */
  Value[] coerce(List<Value> params) {
    if (params.size() != plan.params().size()) {
      throw new BadParametersException("view '" + name + "' takes " + plan.params().size() + " parameter"
          + (plan.params().size() == 1 ? "" : "s") + ", got " + params.size());
    }
    Value[] out = new Value[params.size()];
    for (int i = 0; i < out.length; i++) {
      Value v = params.get(i);
      if (v == null) {
        throw new BadParametersException("view '" + name + "': parameter " + (i + 1) + " is null (use SQL NULL)");
      }
      Affinity a = plan.params().get(i);
      out[i] = Semantics.forComparison(v, a);
      if (a.isNumeric() && (out[i] instanceof TextValue || out[i] instanceof BlobValue)) {
        throw new BadParametersException("view '" + name + "': parameter " + (i + 1) + " is compared with a "
            + a + " column and must be a number, got " + (out[i] instanceof TextValue t ? "text '" + t.value() + "'"
            : "a blob"));
      }
    }
    return out;
  }

  /** The reader key of coerced parameters; null when one is NULL (SQLite's = never matches it). */
  static Key key(Value[] params) {
    for (Value v : params) {
      if (v instanceof NullValue) {
        return null;
      }
    }
    return Semantics.key(List.of(params));
  }

  /** What a key reads as: its rows in ORDER BY order, visible columns only (or the empty-key row). */
  List<List<Value>> visible(List<Row> rows, Value[] params) {
    if (rows.isEmpty() && emptyRow != null) {
      Value[] none = new Value[0];
      Value[] row = new Value[emptyRow.size()];
      for (int i = 0; i < row.length; i++) {
        row[i] = emptyRow.get(i).apply(none, params);
      }
      return List.of(List.of(row));
    }
    List<Row> sorted = rows;
    if (order != null) {
      sorted = new ArrayList<>(rows);
      sorted.sort(order);
    }
    List<List<Value>> out = new ArrayList<>(sorted.size());
    for (Row r : sorted) {
      out.add(project(r));
    }
    return out;
  }

  /**
   * A row's visible columns, as an unmodifiable list: {@link ViewResult} and the subscribers keep it
   * as it is (no copy per row per lookup).
   */
  List<Value> project(Row r) {
    Value[] v = new Value[visibleColumns.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = r.get(visibleColumns[i]);
    }
    return List.of(v);
  }

  /** Whether a key without rows reads as one row (an aggregate without GROUP BY). */
  boolean hasEmptyRow() {
    return emptyRow != null;
  }

  ViewInfo info(long watermark) {
    return new ViewInfo(name, plan.sql(), plan.db(), plan.columnNames(), plan.params(), !plan.order().isEmpty(),
        watermark);
  }
}
