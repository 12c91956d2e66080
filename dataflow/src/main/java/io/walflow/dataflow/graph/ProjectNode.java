package io.walflow.dataflow.graph;

import io.walflow.dataflow.eval.RowFunction;
import io.walflow.dataflow.plan.Expr;
import io.walflow.dataflow.plan.Plan;
import io.walflow.ingest.change.Value;
import java.util.ArrayList;
import java.util.List;

/** Evaluates expressions on each row; stateless. */
final class ProjectNode extends Node {
  private static final Value[] NO_PARAMS = {};
  private final RowFunction[] exprs;
  /** For each output column, the input column it copies, or -1 when it is computed. */
  private final int[] passThrough;

  ProjectNode(Plan.Project plan, Node input) {
    super(plan, List.of(input), new int[0]);
    exprs = new RowFunction[plan.exprs().size()];
    passThrough = new int[exprs.length];
    for (int i = 0; i < exprs.length; i++) {
      Expr e = plan.exprs().get(i);
      exprs[i] = Semantics.function(e);
      passThrough[i] = e instanceof Expr.Column c ? c.index() : -1;
    }
  }

  /** The input column output column {@code i} copies, or -1. */
  static int source(Plan.Project p, int i) {
    return p.exprs().get(i) instanceof Expr.Column c ? c.index() : -1;
  }

  @Override
  boolean partial() {
    return false;
  }

  private Row apply(Row in) {
    Value[] out = new Value[exprs.length];
    for (int i = 0; i < exprs.length; i++) {
      out[i] = passThrough[i] >= 0 ? in.get(passThrough[i]) : exprs[i].apply(in.values(), NO_PARAMS);
    }
    return new Row(out);
  }

  @Override
  List<Delta> process(int port, List<Delta> deltas) {
    List<Delta> out = new ArrayList<>(deltas.size());
    for (Delta d : deltas) {
      out.add(new Delta(apply(d.row()), d.weight()));
    }
    return out;
  }

  @Override
  int[] shardColumns() {
    return new int[0];
  }

  @Override
  List<Row> pull(int[] columns, Key key) {
    int[] mapped = new int[columns.length];
    for (int i = 0; i < columns.length; i++) {
      mapped[i] = passThrough[columns[i]];
      if (mapped[i] < 0) {
        List<Row> all = new ArrayList<>();
        for (Row r : inputs.get(0).pull(new int[0], Key.EMPTY)) {
          all.add(apply(r));
        }
        return matching(all, columns, key);
      }
    }
    List<Row> out = new ArrayList<>();
    for (Row r : inputs.get(0).pull(mapped, key)) {
      out.add(apply(r));
    }
    return out;
  }
}
