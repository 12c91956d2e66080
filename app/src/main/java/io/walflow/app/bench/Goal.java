package io.walflow.app.bench;

import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/** What a benchmark figure should reach, as the issues state it. */
public sealed interface Goal {

  /** Whether {@code walflow} (or its {@code ratio} to the baseline) meets the goal; empty for {@link None}. */
  Optional<Boolean> met(double walflow, OptionalDouble ratio);

  /** The goal as shown in the table, for example {@code ratio ≥ 0.80}. */
  String text();

  /** walflow's figure divided by the baseline's must be at least {@code min}. */
  record RatioAtLeast(double min) implements Goal {
    @Override
    public Optional<Boolean> met(double walflow, OptionalDouble ratio) {
      return ratio.isPresent() ? Optional.of(ratio.getAsDouble() >= min) : Optional.of(false);
    }

    @Override
    public String text() {
      return String.format(Locale.ROOT, "ratio >= %.2f", min);
    }
  }

  /** walflow's figure must be at most {@code max} (in the row's unit); {@code why} names the source. */
  record AtMost(double max, String unit, String why) implements Goal {
    @Override
    public Optional<Boolean> met(double walflow, OptionalDouble ratio) {
      return Optional.of(walflow <= max);
    }

    @Override
    public String text() {
      return "<= " + Report.number(max) + " " + unit;
    }
  }

  /** Reported for information only. */
  record None() implements Goal {
    @Override
    public Optional<Boolean> met(double walflow, OptionalDouble ratio) {
      return Optional.empty();
    }

    @Override
    public String text() {
      return "-";
    }
  }
}
