package io.walflow.dataflow.graph;

import io.walflow.dataflow.plan.Plan;
import java.util.ArrayList;
import java.util.List;

/** UNION ALL: every input's deltas, unchanged; stateless (UNION adds a {@link DistinctNode}). */
final class UnionNode extends Node {
  UnionNode(Plan plan, List<Node> inputs) {
    super(plan, inputs, new int[0]);
  }

  @Override
  boolean partial() {
    return false;
  }

  @Override
  List<Delta> process(int port, List<Delta> deltas) {
    return deltas;
  }

  @Override
  List<Row> pull(int[] columns, Key key) {
    List<Row> out = new ArrayList<>();
    for (Node in : inputs) {
      out.addAll(in.pull(columns, key));
    }
    return out;
  }
}
