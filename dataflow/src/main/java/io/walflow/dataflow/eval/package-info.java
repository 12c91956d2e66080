/**
 * SQLite's value semantics for the dataflow: ordering and GROUP BY equality ({@link
 * io.walflow.dataflow.eval.SqliteValues}, {@link io.walflow.dataflow.eval.ValueKey}), affinity and
 * CAST, operators ({@link io.walflow.dataflow.eval.SqliteOperators}), functions ({@link
 * io.walflow.dataflow.eval.SqliteFunctions}), the compilation of plan expressions into row
 * functions ({@link io.walflow.dataflow.eval.ExprEvaluator}) and the final values of aggregates
 * ({@link io.walflow.dataflow.eval.Aggregates}). Checked against SQLite itself by property tests.
 */
package io.walflow.dataflow.eval;
