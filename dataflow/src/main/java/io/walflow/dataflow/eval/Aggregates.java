package io.walflow.dataflow.eval;

import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.RealValue;
import io.walflow.ingest.change.TextValue;
import io.walflow.ingest.change.Value;
import java.math.BigInteger;

/**
 * The final-value rules of SQLite's aggregates, for retractable accumulators that keep a count, an
 * exact integer sum and a real sum per group.
 *
 * <ul>
 *   <li>COUNT(*) counts rows, COUNT(x) non-NULL values; neither is ever NULL.
 *   <li>SUM and AVG add {@link #numericInput}: integers as integers; reals, and text or blobs that
 *       are not integers, as reals (SQLite's {@code sqlite3_value_numeric_type}).
 *   <li>SUM is NULL without non-NULL input; an integer when every input was an integer; else a
 *       real. When every input is an integer but the exact total is outside the int64 range, SQLite
 *       fails the query with "integer overflow"; walflow does the same: {@link #sum} throws {@link
 *       SqliteEvalException}, and the runtime reports the view (key) as failed rather than show a
 *       value SQLite would never return. walflow uses the exact total, so a sum whose running total
 *       overflows only transiently in SQLite's scan order (and fails there) is the total here.
 *   <li>AVG is NULL without non-NULL input, else always a real: the sum divided by the count.
 *   <li>MIN and MAX ignore NULLs and order by {@link SqliteValues#compare}; NULL without input.
 * </ul>
 *
 * <p>Real sums depend on the order of addition (SQLite adds in scan order with Kahan-Babuska-Neumaier
 * compensation); an incremental sum may differ from SQLite's in the last bits.
 */
public final class Aggregates {

  private static final BigInteger MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);

  private Aggregates() {}

  /**
   * What SUM and AVG add for {@code v}: NULL for NULL (skipped), an {@link IntegerValue} for integers
   * and text that is an integer, else a {@link RealValue}.
   */
  public static Value numericInput(Value v) {
    if (v instanceof NullValue || v instanceof IntegerValue || v instanceof RealValue) {
      return v;
    }
    if (v instanceof TextValue) {
      Value n = SqliteValues.numericAffinity(v, false);
      if (n instanceof IntegerValue || n instanceof RealValue) {
        return n;
      }
    }
    return Value.of(SqliteValues.toReal(v));
  }

  /** COUNT(*) or COUNT(x) of {@code count} rows or non-NULL values. */
  public static Value count(long count) {
    return Value.of(count);
  }

  /**
   * SUM's value.
   *
   * @param count non-NULL inputs
   * @param integerSum the exact sum of the integer inputs
   * @param realSum the sum of the real inputs
   * @param realInputs how many inputs were reals
   * @throws SqliteEvalException when every input is an integer and the total is outside int64
   */
  public static Value sum(long count, BigInteger integerSum, double realSum, long realInputs) {
    if (count == 0) {
      return SqliteValues.NULL;
    }
    if (realInputs == 0) {
      if (integerSum.compareTo(MIN) < 0 || integerSum.compareTo(MAX) > 0) {
        throw new SqliteEvalException("integer overflow in SUM (exact total " + integerSum + ")");
      }
      return Value.of(integerSum.longValue());
    }
    return Value.of(integerSum.doubleValue() + realSum);
  }

  /** AVG's value: NULL for no input, else the sum over the count as a real. */
  public static Value avg(long count, BigInteger integerSum, double realSum) {
    if (count == 0) {
      return SqliteValues.NULL;
    }
    return Value.of((integerSum.doubleValue() + realSum) / count);
  }

  /** The smaller of two MIN candidates, ignoring NULLs (NULL only when both are). */
  public static Value min(Value a, Value b) {
    if (a instanceof NullValue) {
      return b;
    }
    if (b instanceof NullValue) {
      return a;
    }
    return SqliteValues.compare(b, a) < 0 ? b : a;
  }

  /** The larger of two MAX candidates, ignoring NULLs. */
  public static Value max(Value a, Value b) {
    if (a instanceof NullValue) {
      return b;
    }
    if (b instanceof NullValue) {
      return a;
    }
    return SqliteValues.compare(b, a) > 0 ? b : a;
  }
}
