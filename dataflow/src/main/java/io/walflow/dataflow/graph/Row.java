package io.walflow.dataflow.graph;

import io.walflow.ingest.change.Value;
import java.util.Arrays;
import java.util.List;

/**
 * One row flowing through the graph: SQLite values by column. Equal when every value is equal by
 * storage class and content ({@link Value#equals}), which is how bags of rows count duplicates.
 * Immutable: the array is never changed after construction.
 */
public final class Row {
  private final Value[] values;
  private final int hash;

  /** Wraps {@code values}; the caller gives up the array. */
  public Row(Value[] values) {
    this.values = values;
    this.hash = Arrays.hashCode(values);
  }

  /** A row holding a copy of {@code values}. */
  public static Row of(List<Value> values) {
    return new Row(values.toArray(new Value[0]));
  }

  /** The value of column {@code i}. */
  public Value get(int i) {
    return values[i];
  }

  /** The number of columns. */
  public int size() {
    return values.length;
  }

  /**
   * The backing array, for evaluators that read rows as arrays. Callers must not change it.
   */
  Value[] values() {
    return values;
  }

  /** The columns as an unmodifiable list. */
  public List<Value> asList() {
    return List.of(values);
  }

  /** This row followed by {@code other}'s columns. */
  Row concat(Row other) {
    Value[] all = Arrays.copyOf(values, values.length + other.values.length);
    System.arraycopy(other.values, 0, all, values.length, other.values.length);
    return new Row(all);
  }

  /** The values of {@code columns}, in that order. */
  Row select(int[] columns) {
    Value[] out = new Value[columns.length];
    for (int i = 0; i < columns.length; i++) {
      out[i] = values[columns[i]];
    }
    return new Row(out);
  }

  /** A rough estimate of the bytes this row occupies on the heap. */
  long estimatedBytes() {
    long bytes = 32L + 8L * values.length;
    for (Value v : values) {
      if (v instanceof io.walflow.ingest.change.TextValue t) {
        bytes += 56 + 2L * t.value().length();
      } else if (v instanceof io.walflow.ingest.change.BlobValue b) {
        bytes += 40 + b.length();
      } else {
        bytes += 24;
      }
    }
    return bytes;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Row r && r.hash == hash && Arrays.equals(r.values, values);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return Arrays.toString(values);
  }
}
