package io.walflow.app.bench;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One line of the benchmark table: walflow's figure beside the baseline measured in the same run.
 *
 * @param suite the suite that measured it ({@code capture}, …)
 * @param benchmark what was measured, in words
 * @param unit the unit of both figures ({@code commits/s}, {@code ms}, …)
 * @param walflow walflow's figure (for capture: the writer with capture running)
 * @param baseline the same measurement without walflow, when there is one
 * @param goal what the figure should reach
 * @param walflowRuns walflow's figure in each repeat ({@code walflow} is their median)
 * @param baselineRuns the baseline's figure in each repeat
 * @param detail how it was obtained (repeats, spread, side figures), for the JSON report and the docs
 * @param problem what went wrong in walflow while measuring (the figure is then not trustworthy and
 *     the goal counts as missed)
 */
public record Row(String suite, String benchmark, String unit, double walflow, OptionalDouble baseline, Goal goal,
    List<Double> walflowRuns, List<Double> baselineRuns, String detail, Optional<String> problem) {

  public Row {
    Objects.requireNonNull(suite, "suite");
    Objects.requireNonNull(benchmark, "benchmark");
    Objects.requireNonNull(unit, "unit");
    Objects.requireNonNull(baseline, "baseline");
    Objects.requireNonNull(goal, "goal");
    Objects.requireNonNull(detail, "detail");
    Objects.requireNonNull(problem, "problem");
    walflowRuns = List.copyOf(walflowRuns);
    baselineRuns = List.copyOf(baselineRuns);
  }

  /** walflow's figure divided by the baseline's, when there is a (non-zero) baseline. */
  public OptionalDouble ratio() {
    if (baseline.isEmpty() || baseline.getAsDouble() == 0) {
      return OptionalDouble.empty();
    }
    return OptionalDouble.of(walflow / baseline.getAsDouble());
  }

  /** Whether the goal is met; empty when the row has no goal; false when walflow had a problem. */
  public Optional<Boolean> goalMet() {
    if (goal instanceof Goal.None) {
      return Optional.empty();
    }
    if (problem.isPresent()) {
      return Optional.of(false);
    }
    return Double.isNaN(walflow) ? Optional.of(false) : goal.met(walflow, ratio());
  }
}
