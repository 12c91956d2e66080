package io.walflow.dataflow;

import static io.walflow.dataflow.plan.AggCall.Kind.AVG;
import static io.walflow.dataflow.plan.AggCall.Kind.COUNT;
import static io.walflow.dataflow.plan.AggCall.Kind.COUNT_DISTINCT;
import static io.walflow.dataflow.plan.AggCall.Kind.COUNT_STAR;
import static io.walflow.dataflow.plan.AggCall.Kind.MAX;
import static io.walflow.dataflow.plan.AggCall.Kind.MIN;
import static io.walflow.dataflow.plan.AggCall.Kind.SUM;

import io.walflow.dataflow.plan.AggCall;
import io.walflow.dataflow.plan.Affinity;
import io.walflow.dataflow.plan.Expr;
import io.walflow.dataflow.plan.Fn;
import io.walflow.dataflow.plan.Plan;
import io.walflow.dataflow.plan.SortKey;
import io.walflow.dataflow.plan.ViewPlan;
import io.walflow.ingest.change.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Queries over {@link CapturedWorkload}'s tables covering every operator: each with its SQL (run
 * on SQLite as the oracle), a hand-built plan, and the parameter values to check.
 */
final class QueryCatalogue {
  private QueryCatalogue() {}

  /**
   * One query: name, SQL, a hand-built plan (absent: the engine plans the SQL itself), the keys to
   * look up, and whether results are in a total order.
   */
  record Case(String name, String sql, Optional<ViewPlan> plan, List<List<Value>> keys, boolean ordered) {
    Case(String name, ViewPlan plan, List<List<Value>> keys, boolean ordered) {
      this(name, plan.sql(), Optional.of(plan), keys, ordered);
    }

    /** A case planned from SQL by the engine. */
    static Case sql(String name, String sql, List<List<Value>> keys, boolean ordered) {
      return new Case(name, sql, Optional.empty(), keys, ordered);
    }

    /** Creates this view in {@code engine}. */
    void create(Dataflow engine) throws QueryException {
      if (plan.isPresent()) {
        engine.createView(name, plan.get());
      } else {
        engine.createView(name, sql);
      }
    }
  }

  static List<List<Value>> texts(String... values) {
    List<List<Value>> out = new ArrayList<>();
    for (String v : values) {
      out.add(List.of(Value.of(v)));
    }
    return out;
  }

  /** Queries planned from SQL by the engine: the whole path, every construct the planner supports. */
  static List<Case> sql() {
    List<List<Value>> none = List.of(List.of());
    List<List<Value>> ks = ints(0, 6);
    List<List<Value>> grps = ints(0, 3);
    return List.of(
        Case.sql("sqlExpressions", "SELECT id, CASE WHEN v > 5 THEN 'big' WHEN v IS NULL THEN 'none' ELSE 'small' END, "
            + "v * 2 + 1, k / 2, v % 3, -v, s || '!', CASE s WHEN 'a' THEN 1 WHEN 'b' THEN 2 END FROM t WHERE k = ?",
            ks, false),
        Case.sql("sqlLikeIn", "SELECT id, s FROM t WHERE s LIKE 'a%' OR s IN ('B', 'zz') OR NOT (v <> 3)", none, false),
        Case.sql("sqlBetween", "SELECT id, r FROM t WHERE v BETWEEN 2 AND 6 AND r IS NOT NULL", none, false),
        Case.sql("sqlGroupByText", "SELECT s, count(*), sum(r), avg(v), min(r), max(v), count(DISTINCT k) FROM t "
            + "GROUP BY s", none, false),
        Case.sql("sqlTextKey", "SELECT k, count(*) FROM t WHERE s = ? GROUP BY k", texts("a", "b", "B", "zz", "no"),
            false),
        Case.sql("sqlJoinFilter", "SELECT t.id, u.name, u.grp FROM t JOIN u ON t.k = u.id WHERE u.grp = ? AND t.v > 0",
            grps, false),
        Case.sql("sqlLeftJoinAgg", "SELECT u.id, count(t.id), sum(t.v) FROM u LEFT JOIN t ON t.k = u.id GROUP BY u.id",
            none, false),
        Case.sql("sqlSubquery", "SELECT x.k, x.n FROM (SELECT k, count(*) AS n FROM t GROUP BY k) AS x WHERE x.n > 2",
            none, false),
        Case.sql("sqlTopOffset", "SELECT id, v FROM t WHERE k = ? ORDER BY v DESC, id LIMIT 2 OFFSET 1", ks, true),
        Case.sql("sqlDistinctByK", "SELECT DISTINCT s FROM t WHERE k = ?", ks, false),
        Case.sql("sqlUnion", "SELECT name FROM u UNION SELECT s FROM t WHERE k = 1", none, false),
        Case.sql("sqlScalar", "SELECT count(*), max(r), total FROM (SELECT r, v AS total FROM t) WHERE total = ?",
            ints(-3, 10), false),
        Case.sql("sqlLeftResidual", "SELECT t.id, u.name FROM t LEFT JOIN u ON t.k = u.id AND u.grp > 0 WHERE t.k = ?",
            ks, false),
        Case.sql("sqlThreeWay", "SELECT a.id, b.name, c.id FROM t a JOIN u b ON a.k = b.id JOIN t c ON c.v = b.grp "
            + "WHERE a.k = ?", ks, false),
        Case.sql("sqlHavingTop", "SELECT k, sum(v) AS s FROM t GROUP BY k HAVING sum(v) > 3 ORDER BY s DESC, k LIMIT 3",
            none, true));
  }

  static final Plan.Scan T = new Plan.Scan("app", "t", List.of("id", "k", "v", "s", "r"),
      List.of(Affinity.INTEGER, Affinity.INTEGER, Affinity.INTEGER, Affinity.TEXT, Affinity.REAL));
  static final Plan.Scan U = new Plan.Scan("app", "u", List.of("id", "name", "grp"),
      List.of(Affinity.INTEGER, Affinity.TEXT, Affinity.INTEGER));

  static Expr col(int i, Affinity a) {
    return new Expr.Column(i, a);
  }

  static Expr lit(long v) {
    return new Expr.Literal(Value.of(v));
  }

  static Expr call(Fn fn, Expr... args) {
    return new Expr.Call(fn, List.of(args));
  }

  static AggCall agg(AggCall.Kind kind, int arg) {
    return new AggCall(kind, arg < 0 ? OptionalInt.empty() : OptionalInt.of(arg));
  }

  static List<String> names(int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add("c" + i);
    }
    return out;
  }

  static List<Integer> range(int n) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(i);
    }
    return out;
  }

  static ViewPlan view(String sql, Plan plan, List<Integer> keys, List<Integer> visible, List<SortKey> order,
      Optional<List<Expr>> empty) {
    List<Affinity> params = keys.stream().map(k -> Affinity.INTEGER).toList();
    return new ViewPlan(sql, "app", plan, keys, params, visible, names(visible.size()), order, empty);
  }

  static List<List<Value>> ints(int from, int to) {
    List<List<Value>> out = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      out.add(List.of(Value.of((long) i)));
    }
    return out;
  }

  static Plan.Join join(boolean left) {
    return new Plan.Join(T, U, left, List.of(1), List.of(0), List.of(Affinity.INTEGER), Optional.empty());
  }

  /** The hand-built plans and the SQL queries. */
  static List<Case> everything() {
    List<Case> all = new ArrayList<>(all());
    all.addAll(sql());
    return all;
  }

  static List<Case> all() {
    List<Case> cases = new ArrayList<>();
    List<List<Value>> none = List.of(List.of());
    cases.add(new Case("filter", view("SELECT id, k, v FROM t WHERE v > 3",
        new Plan.Project(new Plan.Filter(T, call(Fn.GT, col(2, Affinity.INTEGER), lit(3))),
            List.of(col(0, Affinity.INTEGER), col(1, Affinity.INTEGER), col(2, Affinity.INTEGER)), names(3)),
        List.of(), range(3), List.of(), Optional.empty()), none, false));
    Plan groups = new Plan.Aggregate(T, List.of(1), List.of(agg(COUNT_STAR, -1), agg(COUNT, 2), agg(SUM, 2),
        agg(MIN, 2), agg(MAX, 2), agg(AVG, 2), agg(COUNT_DISTINCT, 2), agg(SUM, 4), agg(MIN, 3), agg(MAX, 4)),
        names(11));
    cases.add(new Case("groupByK", view("SELECT k, count(*), count(v), sum(v), min(v), max(v), avg(v), "
        + "count(DISTINCT v), sum(r), min(s), max(r) FROM t WHERE k = ? GROUP BY k", groups, List.of(0), range(11),
        List.of(), Optional.empty()), ints(0, 6), false));
    cases.add(new Case("scalarByK", view("SELECT count(*), sum(v) FROM t WHERE k = ?",
        new Plan.Aggregate(T, List.of(1), List.of(agg(COUNT_STAR, -1), agg(SUM, 2)), names(3)), List.of(0),
        List.of(1, 2), List.of(), Optional.of(List.of(lit(0), new Expr.Literal(Value.ofNull())))), ints(0, 6), false));
    cases.add(new Case("joinByGrp", view("SELECT t.id, u.name FROM t JOIN u ON t.k = u.id WHERE u.grp = ?",
        join(false), List.of(7), List.of(0, 6), List.of(), Optional.empty()), ints(0, 3), false));
    cases.add(new Case("leftJoinByK", view("SELECT t.id, u.name FROM t LEFT JOIN u ON t.k = u.id WHERE t.k = ?",
        join(true), List.of(1), List.of(0, 6), List.of(), Optional.empty()), ints(0, 6), false));
    List<SortKey> vDescId = List.of(SortKey.of(2, true), SortKey.of(0, false));
    cases.add(new Case("topByK", view("SELECT id, v FROM t WHERE k = ? ORDER BY v DESC, id LIMIT 3",
        new Plan.TopK(T, List.of(1), vDescId, 3, 0), List.of(1), List.of(0, 2), vDescId, Optional.empty()),
        ints(0, 6), true));
    cases.add(new Case("distinct", view("SELECT DISTINCT k, s FROM t",
        new Plan.Distinct(new Plan.Project(T, List.of(col(1, Affinity.INTEGER), col(3, Affinity.TEXT)), names(2))),
        List.of(), range(2), List.of(), Optional.empty()), none, false));
    List<Plan> unionInputs = List.of(new Plan.Project(T, List.of(col(1, Affinity.INTEGER)), names(1)),
        new Plan.Project(U, List.of(col(2, Affinity.INTEGER)), names(1)));
    cases.add(new Case("union", view("SELECT k FROM t UNION SELECT grp FROM u",
        new Plan.Union(unionInputs, false), List.of(), range(1), List.of(), Optional.empty()), none, false));
    cases.add(new Case("unionAll", view("SELECT k FROM t UNION ALL SELECT grp FROM u",
        new Plan.Union(unionInputs, true), List.of(), range(1), List.of(), Optional.empty()), none, false));
    cases.add(new Case("aggOverJoinByGrp", view("SELECT u.grp, count(*), sum(t.v), max(t.s) FROM t JOIN u "
        + "ON t.k = u.id WHERE u.grp = ? GROUP BY u.grp",
        new Plan.Aggregate(join(false), List.of(7), List.of(agg(COUNT_STAR, -1), agg(SUM, 2), agg(MAX, 3)),
            names(4)), List.of(0), range(4), List.of(), Optional.empty()), ints(0, 3), false));
    cases.add(new Case("selfJoinByK", view("SELECT a.id, b.id FROM t a JOIN t b ON a.k = b.v WHERE a.k = ?",
        new Plan.Join(T, T, false, List.of(1), List.of(2), List.of(Affinity.INTEGER), Optional.empty()),
        List.of(1), List.of(0, 5), List.of(), Optional.empty()), ints(0, 6), false));
    cases.add(new Case("global", view("SELECT count(*), sum(v), max(s), avg(r) FROM t",
        new Plan.Aggregate(T, List.of(), List.of(agg(COUNT_STAR, -1), agg(SUM, 2), agg(MAX, 3), agg(AVG, 4)),
            names(4)), List.of(), range(4), List.of(),
        Optional.of(List.of(lit(0), new Expr.Literal(Value.ofNull()), new Expr.Literal(Value.ofNull()),
            new Expr.Literal(Value.ofNull())))), none, false));
    cases.add(new Case("having", view("SELECT k, count(*) FROM t GROUP BY k HAVING count(*) > 2",
        new Plan.Filter(new Plan.Aggregate(T, List.of(1), List.of(agg(COUNT_STAR, -1)), names(2)),
            call(Fn.GT, col(1, Affinity.NONE), lit(2))), List.of(), range(2), List.of(), Optional.empty()),
        none, false));
    List<SortKey> vId = List.of(SortKey.of(2, false), SortKey.of(0, false));
    cases.add(new Case("globalTop", view("SELECT id, v FROM t ORDER BY v, id LIMIT 5 OFFSET 2",
        new Plan.TopK(T, List.of(), vId, 5, 2), List.of(), List.of(0, 2), vId, Optional.empty()), none, true));
    return cases;
  }
}
