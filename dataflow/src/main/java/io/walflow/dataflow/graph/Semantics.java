package io.walflow.dataflow.graph;

import io.walflow.dataflow.eval.ExprEvaluator;
import io.walflow.dataflow.eval.RowFunction;
import io.walflow.dataflow.eval.RowPredicate;
import io.walflow.dataflow.eval.SqliteValues;
import io.walflow.dataflow.eval.ValueKey;
import io.walflow.dataflow.plan.Affinity;
import io.walflow.dataflow.plan.Expr;
import io.walflow.dataflow.plan.SortKey;
import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.Value;
import java.util.Comparator;
import java.util.List;

/**
 * The graph's single door to SQLite's value semantics ({@code io.walflow.dataflow.eval}): keys with
 * SQLite equality, ORDER BY comparison, affinities and compiled expressions. Operators never
 * compare values any other way.
 */
public final class Semantics {
  private Semantics() {}

  /** The key of {@code row}'s {@code columns}. */
  public static Key key(Row row, int[] columns) {
    Object[] parts = new Object[columns.length];
    for (int i = 0; i < columns.length; i++) {
      parts[i] = ValueKey.of(row.get(columns[i]));
    }
    return new Key(parts);
  }

  /** The key of {@code row}'s {@code columns} after applying {@code affinities} (join keys). */
  public static Key key(Row row, int[] columns, List<Affinity> affinities) {
    Object[] parts = new Object[columns.length];
    for (int i = 0; i < columns.length; i++) {
      parts[i] = ValueKey.of(SqliteValues.forComparison(row.get(columns[i]), affinities.get(i)));
    }
    return new Key(parts);
  }

  /** The key of a whole row (DISTINCT, UNION). */
  public static Key key(Row row) {
    Object[] parts = new Object[row.size()];
    for (int i = 0; i < parts.length; i++) {
      parts[i] = ValueKey.of(row.get(i));
    }
    return new Key(parts);
  }

  /** The key of the given values (lookup parameters, after their affinity). */
  public static Key key(List<Value> values) {
    Object[] parts = new Object[values.size()];
    for (int i = 0; i < parts.length; i++) {
      parts[i] = ValueKey.of(values.get(i));
    }
    return new Key(parts);
  }

  /** True when some part of the key is NULL: SQLite's {@code =} never matches it. */
  public static boolean hasNull(Row row, int[] columns) {
    for (int c : columns) {
      if (row.get(c) instanceof NullValue) {
        return true;
      }
    }
    return false;
  }

  /** {@code v} prepared for a comparison under affinity {@code a}, as SQLite's {@code =} does. */
  public static Value forComparison(Value v, Affinity a) {
    return SqliteValues.forComparison(v, a);
  }

  /** SQLite's ORDER BY comparison of two values. */
  public static int compare(Value a, Value b) {
    return SqliteValues.compare(a, b);
  }

  /** A compiled scalar expression. */
  public static RowFunction function(Expr e) {
    return ExprEvaluator.compile(e);
  }

  /** A compiled condition (true: not false, not NULL). */
  public static RowPredicate predicate(Expr e) {
    return ExprEvaluator.compilePredicate(e);
  }

  /**
   * Rows by {@code order}, then by every column (SQLite's comparison, then storage class and
   * content), so that the order is total and deterministic.
   */
  public static Comparator<Row> rowOrder(List<SortKey> order) {
    return (a, b) -> {
      for (SortKey k : order) {
        Value x = a.get(k.column());
        Value y = b.get(k.column());
        boolean xn = x instanceof NullValue;
        boolean yn = y instanceof NullValue;
        int c;
        if (xn || yn) {
          c = xn == yn ? 0 : (xn == k.nullsFirst() ? -1 : 1);
        } else {
          c = SqliteValues.compare(x, y);
          if (k.descending()) {
            c = -c;
          }
        }
        if (c != 0) {
          return c;
        }
      }
      return wholeRow(a, b);
    };
  }

  /** A total order on rows: column by column, SQLite's comparison then the exact value. */
  public static int wholeRow(Row a, Row b) {
    int n = Math.min(a.size(), b.size());
    for (int i = 0; i < n; i++) {
      int c = SqliteValues.compare(a.get(i), b.get(i));
      if (c == 0) {
        c = exact(a.get(i), b.get(i));
      }
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  private static int exact(Value a, Value b) {
    if (a.equals(b)) {
      return 0;
    }
    int c = a.storageClass().compareTo(b.storageClass());
    return c != 0 ? c : a.toString().compareTo(b.toString());
  }
}
