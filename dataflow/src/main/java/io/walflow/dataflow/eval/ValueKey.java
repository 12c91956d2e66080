package io.walflow.dataflow.eval;

import io.walflow.ingest.change.BlobValue;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.RealValue;
import io.walflow.ingest.change.Value;
import java.util.Arrays;
import java.util.List;

/**
 * A value as a hash key with SQLite's GROUP BY / DISTINCT equality: equal exactly when {@link
 * SqliteValues#compare} says so — integers and reals by exact numeric value (1 and 1.0 are one key,
 * 0.0 and -0.0 too), NULLs all equal, text and blobs by content, different classes never equal.
 */
public final class ValueKey {
  private final Value value;
  private final int hash;

  private ValueKey(Value value) {
    this.value = value;
    this.hash = hashOf(value);
  }

  /** The key of {@code v}. */
  public static ValueKey of(Value v) {
    return new ValueKey(v);
  }

  /** The keys of a row, as a list usable as a hash key for several columns. */
  public static List<ValueKey> ofRow(List<Value> row) {
    ValueKey[] keys = new ValueKey[row.size()];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = new ValueKey(row.get(i));
    }
    return List.of(keys);
  }

  /** The value this key was made from (one of the equal values). */
  public Value value() {
    return value;
  }

  private static int hashOf(Value v) {
    if (v instanceof IntegerValue i) {
      return Long.hashCode(i.value());
    }
    if (v instanceof RealValue r) {
      double d = r.value();
      if (d == 0.0) {
        return Long.hashCode(0L);
      }
      if (d >= -9.223372036854775808E18 && d < 9.223372036854775808E18 && d == Math.rint(d)) {
        return Long.hashCode((long) d);
      }
      return Double.hashCode(d);
    }
    if (v instanceof NullValue) {
      return 0x5eed;
    }
    if (v instanceof BlobValue b) {
      return 31 * Arrays.hashCode(b.value()) + 7;
    }
    return v.hashCode();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ValueKey k && hash == k.hash && SqliteValues.compare(value, k.value) == 0;
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return "ValueKey[" + value + "]";
  }
}
