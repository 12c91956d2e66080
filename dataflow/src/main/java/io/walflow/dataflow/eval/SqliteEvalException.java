package io.walflow.dataflow.eval;

/**
 * An expression that SQLite itself would refuse to evaluate at run time (for example {@code
 * abs(-9223372036854775808)} or a SUM beyond the int64 range, both "integer overflow" in SQLite):
 * the query has no result for this data, so the view cannot give one either.
 */
public final class SqliteEvalException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SqliteEvalException(String message) {
    super(message);
  }
}
