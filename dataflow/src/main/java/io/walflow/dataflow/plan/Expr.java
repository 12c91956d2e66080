package io.walflow.dataflow.plan;

import io.walflow.ingest.change.Value;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A scalar expression over one input row of a {@link Plan} node, evaluated with SQLite's
 * semantics. Records, so that identical expressions are equal (operator sharing compares plans
 * structurally).
 */
public sealed interface Expr {

  /** The expression's affinity for comparisons (section 4.2 of SQLite's datatype page). */
  Affinity affinity();

  /** The input row's column {@code index}, which has the affinity of the column it comes from. */
  record Column(int index, Affinity affinity) implements Expr {
    public Column {
      Objects.requireNonNull(affinity, "affinity");
      if (index < 0) {
        throw new IllegalArgumentException("column index " + index);
      }
    }
  }

  /** A constant. */
  record Literal(Value value) implements Expr {
    public Literal {
      Objects.requireNonNull(value, "value");
    }

    @Override
    public Affinity affinity() {
      return Affinity.NONE;
    }
  }

  /**
   * The value of positional parameter {@code index} (0-based). Only in {@link ViewPlan#emptyKeyRow};
   * a parameter in the query itself becomes a key column of the view.
   */
  record Param(int index) implements Expr {
    @Override
    public Affinity affinity() {
      return Affinity.NONE;
    }
  }

  /** An operator or function applied to arguments. */
  record Call(Fn fn, List<Expr> args) implements Expr {
    public Call {
      Objects.requireNonNull(fn, "fn");
      args = List.copyOf(args);
    }

    @Override
    public Affinity affinity() {
      return Affinity.NONE;
    }
  }

  /** {@code CAST(arg AS type)}: converts like SQLite's CAST and has the target's affinity. */
  record Cast(Expr arg, Affinity affinity) implements Expr {
    public Cast {
      Objects.requireNonNull(arg, "arg");
      Objects.requireNonNull(affinity, "affinity");
    }
  }

  /**
   * {@code CASE [operand] WHEN w THEN t … [ELSE e] END}. With an operand, each {@code w} is compared
   * to it with {@code =}; without, each {@code w} is a condition. No ELSE yields NULL.
   */
  record Case(Optional<Expr> operand, List<Expr> whens, List<Expr> thens, Optional<Expr> otherwise)
      implements Expr {
    public Case {
      Objects.requireNonNull(operand, "operand");
      whens = List.copyOf(whens);
      thens = List.copyOf(thens);
      Objects.requireNonNull(otherwise, "otherwise");
      if (whens.size() != thens.size() || whens.isEmpty()) {
        throw new IllegalArgumentException("CASE needs as many THENs as WHENs, at least one");
      }
    }

    @Override
    public Affinity affinity() {
      return Affinity.NONE;
    }
  }
}
