package io.walflow.dataflow.sql;

import io.walflow.dataflow.eval.Aggregates;
import io.walflow.dataflow.eval.ExprEvaluator;
import io.walflow.dataflow.eval.RowFunction;
import io.walflow.dataflow.eval.RowPredicate;
import io.walflow.dataflow.eval.SqliteOperators;
import io.walflow.dataflow.eval.SqliteValues;
import io.walflow.dataflow.eval.ValueKey;
import io.walflow.dataflow.plan.AggCall;
import io.walflow.dataflow.plan.Affinity;
import io.walflow.dataflow.plan.Plan;
import io.walflow.dataflow.plan.SortKey;
import io.walflow.dataflow.plan.ViewPlan;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.RealValue;
import io.walflow.ingest.change.Value;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A from-scratch, non-incremental interpreter of the plan IR over in-memory tables: the
 * recomputation oracle. It evaluates a {@link ViewPlan} for given parameter values the simplest way
 * (nested-loop joins, grouping in hash maps, full sorts), using the eval package for SQLite's value
 * semantics, so that its results can be compared with SQLite's and with the incremental dataflow's.
 */
public final class PlanInterpreter {

  /** Rows of each table, by {@code db + "." + table} (table name in lower case). */
  private final Map<String, List<List<Value>>> tables;

  public PlanInterpreter(Map<String, List<List<Value>>> tables) {
    this.tables = new LinkedHashMap<>();
    tables.forEach((k, v) -> this.tables.put(k.toLowerCase(Locale.ROOT), v));
  }

  /** The key of a table in the constructor's map. */
  public static String tableKey(String db, String table) {
    return (db + "." + table).toLowerCase(Locale.ROOT);
  }

  /**
   * The view's rows for the parameter values, as a lookup returns them: the plan's rows whose key
   * columns equal the parameters (SQLite's {@code =} under each parameter's affinity), cut to the
   * visible columns, in the view's ORDER BY order; the empty-key row when no row matches and the
   * query has one.
   */
  public List<List<Value>> lookup(ViewPlan view, List<Value> params) {
    if (params.size() != view.params().size()) {
      throw new IllegalArgumentException("view takes " + view.params().size() + " parameters, got " + params.size());
    }
    List<List<Value>> all = rows(view.plan());
    List<List<Value>> matched = new ArrayList<>();
    for (List<Value> row : all) {
      boolean ok = true;
      for (int i = 0; i < params.size() && ok; i++) {
        Value cmp = SqliteOperators.compare(SqliteOperators.Comparison.EQ, row.get(view.keyColumns().get(i)),
            params.get(i), view.params().get(i));
        ok = SqliteValues.isTrue(cmp);
      }
      if (ok) {
        matched.add(row);
      }
    }
    if (!view.order().isEmpty()) {
      matched.sort(order(view.order()));
    }
    List<List<Value>> out = new ArrayList<>();
    for (List<Value> row : matched) {
      List<Value> visible = new ArrayList<>();
      for (int c : view.visibleColumns()) {
        visible.add(row.get(c));
      }
      out.add(visible);
    }
    if (out.isEmpty() && view.emptyKeyRow().isPresent()) {
      Value[] p = params.toArray(new Value[0]);
      List<Value> row = new ArrayList<>();
      for (var e : view.emptyKeyRow().get()) {
        row.add(ExprEvaluator.compile(e).apply(new Value[0], p));
      }
      out.add(row);
    }
    return out;
  }

  /** Every row of {@code plan}. */
  public List<List<Value>> rows(Plan plan) {
    if (plan instanceof Plan.Scan s) {
      List<List<Value>> rows = tables.get(tableKey(s.db(), s.table()));
      if (rows == null) {
        throw new IllegalArgumentException("no rows given for table " + s.db() + "." + s.table());
      }
      return rows;
    }
    if (plan instanceof Plan.Filter f) {
      RowPredicate p = ExprEvaluator.compilePredicate(f.predicate());
      List<List<Value>> out = new ArrayList<>();
      for (List<Value> row : rows(f.input())) {
        if (p.test(array(row), new Value[0])) {
          out.add(row);
        }
      }
      return out;
    }
    if (plan instanceof Plan.Project p) {
      RowFunction[] fs = ExprEvaluator.compileAll(p.exprs());
      List<List<Value>> out = new ArrayList<>();
      for (List<Value> row : rows(p.input())) {
        Value[] in = array(row);
        Value[] o = new Value[fs.length];
        for (int i = 0; i < fs.length; i++) {
          o[i] = fs[i].apply(in, new Value[0]);
        }
        out.add(Arrays.asList(o));
      }
      return out;
    }
    if (plan instanceof Plan.Join j) {
      return join(j);
    }
    if (plan instanceof Plan.Aggregate a) {
      return aggregate(a);
    }
    if (plan instanceof Plan.Distinct d) {
      return distinct(rows(d.input()));
    }
    if (plan instanceof Plan.Union u) {
      List<List<Value>> out = new ArrayList<>();
      for (Plan in : u.inputs()) {
        out.addAll(rows(in));
      }
      return u.all() ? out : distinct(out);
    }
    return topK((Plan.TopK) plan);
  }

  private static Value[] array(List<Value> row) {
    return row.toArray(new Value[0]);
  }

  private List<List<Value>> join(Plan.Join j) {
    List<List<Value>> left = rows(j.left());
    List<List<Value>> right = rows(j.right());
    int rightWidth = j.right().columns().size();
    RowPredicate residual = j.residual().map(ExprEvaluator::compilePredicate).orElse((r, p) -> true);
    List<List<Value>> out = new ArrayList<>();
    for (List<Value> l : left) {
      boolean matched = false;
      for (List<Value> r : right) {
        if (!keysMatch(j, l, r)) {
          continue;
        }
        List<Value> row = new ArrayList<>(l);
        row.addAll(r);
        if (residual.test(array(row), new Value[0])) {
          out.add(row);
          matched = true;
        }
      }
      if (!matched && j.leftOuter()) {
        List<Value> row = new ArrayList<>(l);
        for (int i = 0; i < rightWidth; i++) {
          row.add(Value.ofNull());
        }
        out.add(row);
      }
    }
    return out;
  }

  private static boolean keysMatch(Plan.Join j, List<Value> l, List<Value> r) {
    for (int k = 0; k < j.leftKeys().size(); k++) {
      Affinity aff = j.keyAffinities().get(k);
      Value cmp = SqliteOperators.compare(SqliteOperators.Comparison.EQ, l.get(j.leftKeys().get(k)),
          r.get(j.rightKeys().get(k)), aff);
      if (!SqliteValues.isTrue(cmp)) {
        return false;
      }
    }
    return true;
  }

  private static List<List<Value>> distinct(List<List<Value>> rows) {
    Set<List<ValueKey>> seen = new HashSet<>();
    List<List<Value>> out = new ArrayList<>();
    for (List<Value> row : rows) {
      if (seen.add(ValueKey.ofRow(row))) {
        out.add(row);
      }
    }
    return out;
  }

  private List<List<Value>> aggregate(Plan.Aggregate a) {
    Map<List<ValueKey>, List<List<Value>>> groups = new LinkedHashMap<>();
    for (List<Value> row : rows(a.input())) {
      List<Value> key = new ArrayList<>();
      for (int g : a.groupBy()) {
        key.add(row.get(g));
      }
      groups.computeIfAbsent(ValueKey.ofRow(key), k -> new ArrayList<>()).add(row);
    }
    List<List<Value>> out = new ArrayList<>();
    for (var e : groups.entrySet()) {
      List<Value> row = new ArrayList<>();
      for (ValueKey k : e.getKey()) {
        row.add(k.value());
      }
      for (AggCall call : a.calls()) {
        row.add(aggregate(call, e.getValue()));
      }
      out.add(row);
    }
    return out;
  }

  private static Value aggregate(AggCall call, List<List<Value>> rows) {
    if (call.kind() == AggCall.Kind.COUNT_STAR) {
      return Aggregates.count(rows.size());
    }
    int arg = call.arg().getAsInt();
    long count = 0;
    BigInteger intSum = BigInteger.ZERO;
    double realSum = 0;
    long reals = 0;
    Value best = Value.ofNull();
    Set<ValueKey> distinct = new LinkedHashSet<>();
    for (List<Value> row : rows) {
      Value v = row.get(arg);
      if (v instanceof NullValue) {
        continue;
      }
      count++;
      distinct.add(ValueKey.of(v));
      Value n = Aggregates.numericInput(v);
      if (n instanceof IntegerValue i) {
        intSum = intSum.add(BigInteger.valueOf(i.value()));
      } else if (n instanceof RealValue r) {
        realSum += r.value();
        reals++;
      }
      best = call.kind() == AggCall.Kind.MIN ? Aggregates.min(best, v) : Aggregates.max(best, v);
    }
    switch (call.kind()) {
      case COUNT:
        return Aggregates.count(count);
      case COUNT_DISTINCT:
        return Aggregates.count(distinct.size());
      case SUM:
        return Aggregates.sum(count, intSum, realSum, reals);
      case AVG:
        return Aggregates.avg(count, intSum, realSum);
      default:
        return best;
    }
  }

  private List<List<Value>> topK(Plan.TopK t) {
    Map<List<ValueKey>, List<List<Value>>> groups = new LinkedHashMap<>();
    for (List<Value> row : rows(t.input())) {
      List<Value> key = new ArrayList<>();
      for (int g : t.groupBy()) {
        key.add(row.get(g));
      }
      groups.computeIfAbsent(ValueKey.ofRow(key), k -> new ArrayList<>()).add(row);
    }
    Comparator<List<Value>> cmp = order(t.order()).thenComparing(PlanInterpreter::compareRows);
    List<List<Value>> out = new ArrayList<>();
    for (List<List<Value>> g : groups.values()) {
      g.sort(cmp);
      long from = Math.min(g.size(), t.offset());
      long to = Math.min(g.size(), from + Math.min(t.limit(), Long.MAX_VALUE - from));
      out.addAll(g.subList((int) from, (int) to));
    }
    return out;
  }

  /** SQLite's ORDER BY for the sort keys. */
  public static Comparator<List<Value>> order(List<SortKey> keys) {
    return (a, b) -> {
      for (SortKey k : keys) {
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
      return 0;
    };
  }

  /** Whole rows by SQLite's comparison, column by column (the top-k tie break). */
  public static int compareRows(List<Value> a, List<Value> b) {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      int c = SqliteValues.compare(a.get(i), b.get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }
}
