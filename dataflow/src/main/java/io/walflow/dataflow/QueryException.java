package io.walflow.dataflow;

/**
 * A query that cannot become a view: unsupported SQL, unknown tables or columns, type errors. The
 * message names the construct; {@link #line()} and {@link #column()} give its position in the SQL
 * (1-based; 0 when not known).
 */
public class QueryException extends Exception {
  private static final long serialVersionUID = 1L;
  private final int line;
  private final int column;

  public QueryException(String message, int line, int column) {
    super(line > 0 ? message + " (line " + line + ", column " + column + ")" : message);
    this.line = line;
    this.column = column;
  }

  public int line() {
    return line;
  }

  public int column() {
    return column;
  }
}
