package io.walflow.dataflow;

/** A valid SQL construct that views do not support (window functions, CTEs, RIGHT joins …), named with its position. */
public final class UnsupportedSqlException extends QueryException {
  private static final long serialVersionUID = 1L;

  public UnsupportedSqlException(String message, int line, int column) {
    super(message, line, column);
  }
}
