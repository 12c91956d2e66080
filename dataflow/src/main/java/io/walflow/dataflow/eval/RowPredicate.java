package io.walflow.dataflow.eval;

import io.walflow.ingest.change.Value;

/** A compiled condition: true only when SQLite's value for it is true (not false, not NULL). */
@FunctionalInterface
public interface RowPredicate {
  boolean test(Value[] row, Value[] params);
}
