package io.walflow.dataflow.graph;

/** A plan or a row change names a table (or a column) the captured database does not have. */
public final class MissingTableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public MissingTableException(String message) {
    super(message);
  }
}
