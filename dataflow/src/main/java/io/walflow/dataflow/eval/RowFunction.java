package io.walflow.dataflow.eval;

import io.walflow.ingest.change.Value;

/** A compiled scalar expression: its value for one input row and the query's parameter values. */
@FunctionalInterface
public interface RowFunction {
  /**
   * @param row the input row's values, by column index
   * @param params the parameter values (empty when the expression has no {@code Expr.Param})
   * @throws SqliteEvalException where SQLite itself would fail (integer overflow in abs)
   */
  Value apply(Value[] row, Value[] params);
}
