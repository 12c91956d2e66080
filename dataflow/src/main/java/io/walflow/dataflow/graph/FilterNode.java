package io.walflow.dataflow.graph;

import io.walflow.dataflow.eval.RowPredicate;
import io.walflow.dataflow.plan.Plan;
import java.util.ArrayList;
import java.util.List;

/** Keeps the rows for which the predicate is true; stateless. */
final class FilterNode extends Node {
  private static final io.walflow.ingest.change.Value[] NO_PARAMS = {};
  private final RowPredicate predicate;

  FilterNode(Plan.Filter plan, Node input) {
    super(plan, List.of(input), new int[0]);
    this.predicate = Semantics.predicate(plan.predicate());
  }

  @Override
  boolean partial() {
    return false;
  }

  @Override
  List<Delta> process(int port, List<Delta> deltas) {
    List<Delta> out = new ArrayList<>(deltas.size());
    for (Delta d : deltas) {
      if (predicate.test(d.row().values(), NO_PARAMS)) {
        out.add(d);
      }
    }
    return out;
  }

  @Override
  int[] shardColumns() {
    return new int[0];
  }

  @Override
  List<Row> pull(int[] columns, Key key) {
    List<Row> out = new ArrayList<>();
    for (Row r : inputs.get(0).pull(columns, key)) {
      if (predicate.test(r.values(), NO_PARAMS)) {
        out.add(r);
      }
    }
    return out;
  }
}
