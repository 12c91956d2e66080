package io.walflow.dataflow.plan;

/**
 * One ORDER BY term: an output column of the node below, its direction, and where NULLs go
 * (SQLite's default: first when ascending, last when descending). Values compare as SQLite's
 * ORDER BY does: NULL, then numbers (integers and reals by value), then text (BINARY), then blobs.
 */
public record SortKey(int column, boolean descending, boolean nullsFirst) {
  /** SQLite's default NULL placement for the direction. */
  public static SortKey of(int column, boolean descending) {
    return new SortKey(column, descending, !descending);
  }
}
