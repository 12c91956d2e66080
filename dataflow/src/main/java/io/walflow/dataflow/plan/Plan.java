package io.walflow.dataflow.plan;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A relational plan over bags of rows: what a view computes, as a tree the dataflow turns into
 * operators over signed deltas. Every node's rows are lists of SQLite values; columns are referred
 * to by index. Nodes are records: two structurally equal sub-plans compute the same rows, which is
 * how views share operators.
 */
public sealed interface Plan {

  /** The output columns' names, in order. */
  List<String> columns();

  /**
   * Every row of one table of one captured database: its stored columns in declaration order
   * (not the rowid, unless it is an INTEGER PRIMARY KEY column).
   *
   * @param affinities each column's affinity, from its declared type
   */
  record Scan(String db, String table, List<String> columns, List<Affinity> affinities) implements Plan {
    public Scan {
      Objects.requireNonNull(db, "db");
      Objects.requireNonNull(table, "table");
      columns = List.copyOf(columns);
      affinities = List.copyOf(affinities);
      if (columns.size() != affinities.size()) {
        throw new IllegalArgumentException("one affinity per column");
      }
    }
  }

  /** The input rows for which {@code predicate} is true (not false, not NULL). */
  record Filter(Plan input, Expr predicate) implements Plan {
    @Override
    public List<String> columns() {
      return input.columns();
    }
  }

  /** One output row per input row: {@code exprs} evaluated on it. */
  record Project(Plan input, List<Expr> exprs, List<String> columns) implements Plan {
    public Project {
      exprs = List.copyOf(exprs);
      columns = List.copyOf(columns);
      if (exprs.size() != columns.size()) {
        throw new IllegalArgumentException("one name per expression");
      }
    }
  }

  /**
   * An equi-join: output rows are the left row's columns followed by the right row's. Rows match
   * when each left key equals the right key at the same position by SQLite's {@code =} (never on
   * NULL), after applying {@code keyAffinities} to both sides (the affinity SQLite's comparison
   * rules would apply), and {@code residual} (over the concatenated row, part of the ON clause) is
   * true. A LEFT join also emits each left row without a match once, padded with NULLs.
   */
  record Join(Plan left, Plan right, boolean leftOuter, List<Integer> leftKeys, List<Integer> rightKeys,
      List<Affinity> keyAffinities, Optional<Expr> residual) implements Plan {
    public Join {
      leftKeys = List.copyOf(leftKeys);
      rightKeys = List.copyOf(rightKeys);
      keyAffinities = List.copyOf(keyAffinities);
      Objects.requireNonNull(residual, "residual");
      if (leftKeys.isEmpty() || leftKeys.size() != rightKeys.size() || keyAffinities.size() != leftKeys.size()) {
        throw new IllegalArgumentException("a join needs as many left keys, right keys and affinities, at least one");
      }
    }

    @Override
    public List<String> columns() {
      List<String> all = new java.util.ArrayList<>(left.columns());
      all.addAll(right.columns());
      return List.copyOf(all);
    }
  }

  /**
   * GROUP BY: one row per group of equal {@code groupBy} values (equal as SQLite's GROUP BY
   * compares: 1 and 1.0 are one group), holding the group's values then each aggregate. With no
   * {@code groupBy}, the single group exists only while the input has rows (the empty-input row of
   * a scalar aggregate is {@link ViewPlan#emptyKeyRow}'s business).
   */
  record Aggregate(Plan input, List<Integer> groupBy, List<AggCall> calls, List<String> columns)
      implements Plan {
    public Aggregate {
      groupBy = List.copyOf(groupBy);
      calls = List.copyOf(calls);
      columns = List.copyOf(columns);
      if (columns.size() != groupBy.size() + calls.size()) {
        throw new IllegalArgumentException("one name per group column and aggregate");
      }
    }
  }

  /** Each distinct input row once (SQLite's DISTINCT: NULLs are equal, 1 and 1.0 are equal). */
  record Distinct(Plan input) implements Plan {
    @Override
    public List<String> columns() {
      return input.columns();
    }
  }

  /** UNION ALL of inputs with the same number of columns; with {@code all} false, UNION (distinct). */
  record Union(List<Plan> inputs, boolean all) implements Plan {
    public Union {
      inputs = List.copyOf(inputs);
      if (inputs.size() < 2) {
        throw new IllegalArgumentException("a union needs two inputs or more");
      }
    }

    @Override
    public List<String> columns() {
      return inputs.get(0).columns();
    }
  }

  /**
   * ORDER BY … LIMIT per group: for each distinct value of the {@code groupBy} columns (the view's
   * key columns; none for a global top-k), the first {@code offset + limit} rows by {@code order},
   * minus the first {@code offset}. Ties at the boundary are broken by comparing whole rows, so the
   * result is deterministic.
   */
  record TopK(Plan input, List<Integer> groupBy, List<SortKey> order, long limit, long offset)
      implements Plan {
    public TopK {
      groupBy = List.copyOf(groupBy);
      order = List.copyOf(order);
      if (limit < 0 || offset < 0) {
        throw new IllegalArgumentException("limit and offset must be >= 0");
      }
    }

    @Override
    public List<String> columns() {
      return input.columns();
    }
  }
}
