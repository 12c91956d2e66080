package io.walflow.dataflow.graph;

/**
 * A signed row: {@code weight} copies of {@code row} entering (positive) or leaving (negative) an
 * operator's output. An update is a delta of -1 for the old row and +1 for the new one.
 */
public record Delta(Row row, int weight) {
  /** One copy of {@code row} entering. */
  public static Delta insert(Row row) {
    return new Delta(row, 1);
  }

  /** One copy of {@code row} leaving. */
  public static Delta delete(Row row) {
    return new Delta(row, -1);
  }
}
