package io.walflow.dataflow.graph;

import io.walflow.dataflow.eval.Aggregates;
import io.walflow.dataflow.plan.AggCall;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.RealValue;
import io.walflow.ingest.change.Value;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The retractable state of one aggregate in one group: values come and go with a weight, and the
 * result is always exactly what SQLite computes over the values present (deletions are exact: sums
 * are kept exactly, MIN/MAX keep a multiset, COUNT(DISTINCT) keeps a count per value).
 */
abstract class Accumulator {
  /** Adds ({@code weight} > 0) or removes copies of {@code v}. */
  abstract void add(Value v, int weight);

  /** The aggregate over the values present. */
  abstract Value result();

  /** Estimated heap bytes. */
  abstract long bytes();

  static Accumulator of(AggCall call) {
    return switch (call.kind()) {
      case COUNT_STAR -> new Count(false);
      case COUNT -> new Count(true);
      case COUNT_DISTINCT -> new CountDistinct();
      case SUM -> new Sum(false);
      case AVG -> new Sum(true);
      case MIN -> new Extreme(false);
      case MAX -> new Extreme(true);
    };
  }

  /** COUNT(*) and COUNT(x) (which skips NULLs). */
  static final class Count extends Accumulator {
    private final boolean skipNulls;
    private long n;

    Count(boolean skipNulls) {
      this.skipNulls = skipNulls;
    }

    @Override
    void add(Value v, int weight) {
      if (!skipNulls || !(v instanceof NullValue)) {
        n += weight;
      }
    }

    @Override
    Value result() {
      return Value.of(n);
    }

    @Override
    long bytes() {
      return 24;
    }
  }

  /** COUNT(DISTINCT x): a count per distinct non-NULL value (SQLite equality). */
  static final class CountDistinct extends Accumulator {
    private final Map<Object, Integer> counts = new HashMap<>();

    @Override
    void add(Value v, int weight) {
      if (!(v instanceof NullValue)) {
        counts.merge(Semantics.key(java.util.List.of(v)), weight, (a, b) -> a + b == 0 ? null : a + b);
      }
    }

    @Override
    Value result() {
      return Value.of((long) counts.size());
    }

    @Override
    long bytes() {
      return 48 + 80L * counts.size();
    }
  }

  /**
   * SUM and AVG, as SQLite's sum() and avg() ({@link Aggregates}): integers summed exactly, reals
   * too (BigDecimal, so that a removal restores the sum bit for bit; the result is the correctly
   * rounded sum); NULLs skipped.
   */
  static final class Sum extends Accumulator {
    private final boolean average;
    private BigInteger integers = BigInteger.ZERO;
    private BigDecimal reals = BigDecimal.ZERO;
    private long count;
    private long realInputs;
    /** Infinities and NaN cannot be summed exactly: counted apart, by kind. */
    private long positiveInfinities;
    private long negativeInfinities;
    private long nans;

    Sum(boolean average) {
      this.average = average;
    }

    @Override
    void add(Value v, int weight) {
      Value n = Aggregates.numericInput(v);
      if (n instanceof NullValue) {
        return;
      }
      count += weight;
      if (n instanceof IntegerValue i) {
        integers = integers.add(BigInteger.valueOf(i.value()).multiply(BigInteger.valueOf(weight)));
        return;
      }
      realInputs += weight;
      double d = ((RealValue) n).value();
      if (Double.isNaN(d)) {
        nans += weight;
      } else if (d == Double.POSITIVE_INFINITY) {
        positiveInfinities += weight;
      } else if (d == Double.NEGATIVE_INFINITY) {
        negativeInfinities += weight;
      } else {
        reals = reals.add(new BigDecimal(d).multiply(BigDecimal.valueOf(weight)));
      }
    }

    private double realSum() {
      if (nans > 0 || positiveInfinities > 0 && negativeInfinities > 0) {
        return Double.NaN;
      }
      if (positiveInfinities > 0) {
        return Double.POSITIVE_INFINITY;
      }
      if (negativeInfinities > 0) {
        return Double.NEGATIVE_INFINITY;
      }
      return reals.doubleValue();
    }

    @Override
    Value result() {
      return average ? Aggregates.avg(count, integers, realSum()) : Aggregates.sum(count, integers, realSum(), realInputs);
    }

    @Override
    long bytes() {
      return 96;
    }
  }

  /** MIN and MAX: a multiset of the non-NULL values in SQLite's order. */
  static final class Extreme extends Accumulator {
    private final boolean max;
    private final TreeMap<Value, Integer> values = new TreeMap<>(Semantics::compare);

    Extreme(boolean max) {
      this.max = max;
    }

    @Override
    void add(Value v, int weight) {
      if (!(v instanceof NullValue)) {
        values.merge(v, weight, (a, b) -> a + b == 0 ? null : a + b);
      }
    }

    @Override
    Value result() {
      if (values.isEmpty()) {
        return Value.ofNull();
      }
      return max ? values.lastKey() : values.firstKey();
    }

    @Override
    long bytes() {
      return 48 + 64L * values.size();
    }
  }
}
