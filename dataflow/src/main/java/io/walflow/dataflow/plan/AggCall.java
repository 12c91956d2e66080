package io.walflow.dataflow.plan;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * One aggregate of a GROUP BY, over a column of the input ({@code arg}; absent for {@code
 * COUNT(*)}), with SQLite's results: COUNT never NULL; SUM of integers an integer (real once any
 * input is real; NULL for no non-NULL input); AVG always a real (NULL for no non-NULL input); MIN and
 * MAX by SQLite's ORDER BY comparison, ignoring NULLs.
 */
public record AggCall(Kind kind, OptionalInt arg) {

  public enum Kind {
    COUNT_STAR,
    COUNT,
    COUNT_DISTINCT,
    SUM,
    MIN,
    MAX,
    AVG
  }

  public AggCall {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(arg, "arg");
    if ((kind == Kind.COUNT_STAR) == arg.isPresent()) {
      throw new IllegalArgumentException(kind + (arg.isPresent() ? " takes no argument" : " needs an argument"));
    }
  }
}
