package io.walflow.dataflow.sql;

import io.walflow.dataflow.QueryException;
import io.walflow.dataflow.eval.ExprEvaluator;
import io.walflow.dataflow.eval.SqliteValues;
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
import java.util.stream.IntStream;
import org.apache.calcite.avatica.util.Casing;
import org.apache.calcite.avatica.util.Quoting;
import org.apache.calcite.sql.JoinConditionType;
import org.apache.calcite.sql.JoinType;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.SqlDynamicParam;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlJoin;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlNumericLiteral;
import org.apache.calcite.sql.SqlOrderBy;
import org.apache.calcite.sql.SqlSelect;
import org.apache.calcite.sql.SqlSetOperator;
import org.apache.calcite.sql.parser.SqlParseException;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.parser.SqlParserPos;
import org.apache.calcite.sql.validate.SqlConformanceEnum;

/**
 * Compiles a view's SQL into a {@link ViewPlan}: parsed by Calcite (identifiers case-insensitive,
 * double-quoted identifiers, lenient conformance for {@code %}, {@code !=} and {@code LIMIT m, n}),
 * resolved against the {@link Catalog}, and translated from the parse tree to the plan IR with
 * SQLite's semantics. Anything outside the supported subset (docs/views-sql.md) is rejected with a
 * {@link QueryException} naming the construct and its line and column.
 *
 * <p>Names are resolved here rather than by Calcite's validator: SQLite's dynamic typing, its
 * functions and its literal types are not Calcite's, and the validator's rewrites (implicit casts,
 * SEARCH) would change the meaning; the parse tree keeps positions for the errors.
 */
public final class QueryPlanner {

  private static final SqlParser.Config PARSER = SqlParser.config()
      .withQuoting(Quoting.DOUBLE_QUOTE)
      .withUnquotedCasing(Casing.UNCHANGED)
      .withQuotedCasing(Casing.UNCHANGED)
      .withCaseSensitive(false)
      .withConformance(SqlConformanceEnum.LENIENT);

  private final String sql;
  private final Catalog catalog;
  /** The database the query reads, once its first table is resolved. */
  private String db;

  private QueryPlanner(String sql, Catalog catalog) {
    this.sql = sql;
    this.catalog = catalog;
  }

  /**
   * Compiles {@code sql} against {@code catalog}.
   *
   * @throws QueryException when the SQL is invalid, names unknown tables, columns or functions, or
   *     uses a construct views do not support ({@link io.walflow.dataflow.UnsupportedSqlException})
   */
  public static ViewPlan plan(String sql, Catalog catalog) throws QueryException {
    SqlNode root;
    try {
      root = SqlParser.create(sql, PARSER).parseQuery();
    } catch (SqlParseException e) {
      SqlParserPos p = e.getPos() == null ? SqlParserPos.ZERO : e.getPos();
      String msg = e.getMessage() == null ? "syntax error" : e.getMessage().lines().findFirst().orElse("syntax error");
      throw new QueryException("cannot parse the query: " + msg, p.getLineNum(), p.getColumnNum());
    }
    QueryPlanner planner = new QueryPlanner(sql, catalog);
    Planned p = planner.query(root, true);
    return new ViewPlan(sql, planner.db, p.plan(), p.keyColumns(), p.paramAffinities(),
        IntStream.range(0, p.visible()).boxed().toList(), p.names().subList(0, p.visible()), p.order(),
        p.emptyKeyRow());
  }

  /** A planned query: its plan, output names (visible first), and how the view reads it. */
  private record Planned(Plan plan, List<String> names, int visible, List<Integer> keyColumns,
      List<Affinity> paramAffinities, List<SortKey> order, Optional<List<Expr>> emptyKeyRow) {

    /** The plan cut down to its visible columns (for a subquery or a UNION arm). */
    Plan visiblePlan() {
      if (names.size() == visible) {
        return plan;
      }
      List<Affinity> affs = affinities(plan);
      List<Expr> exprs = new ArrayList<>();
      for (int i = 0; i < visible; i++) {
        exprs.add(new Expr.Column(i, affs.get(i)));
      }
      return new Plan.Project(plan, exprs, names.subList(0, visible));
    }
  }

  // ------------------------------------------------------------------ queries

  private Planned query(SqlNode node, boolean outermost) throws QueryException {
    switch (node.getKind()) {
      case ORDER_BY: {
        SqlOrderBy ob = (SqlOrderBy) node;
        if (ob.query.getKind() == SqlKind.SELECT) {
          return select((SqlSelect) ob.query, ob.orderList, ob.offset, ob.fetch, outermost);
        }
        return setOp(ob.query, ob.orderList, ob.offset, ob.fetch, outermost);
      }
      case SELECT: {
        SqlSelect s = (SqlSelect) node;
        return select(s, s.getOrderList(), s.getOffset(), s.getFetch(), outermost);
      }
      case UNION:
      case INTERSECT:
      case EXCEPT:
        return setOp(node, null, null, null, outermost);
      case WITH:
        throw Errors.unsupported("WITH (common table expressions)", node);
      case VALUES:
        throw Errors.unsupported("VALUES", node);
      default:
        throw Errors.unsupported(node.getKind().toString(), node);
    }
  }

  private Planned setOp(SqlNode node, SqlNodeList orderList, SqlNode offset, SqlNode fetch, boolean outermost)
      throws QueryException {
    if (node.getKind() == SqlKind.INTERSECT || node.getKind() == SqlKind.EXCEPT) {
      throw Errors.unsupported(node.getKind() + " (views support UNION and UNION ALL)", node);
    }
    if (node.getKind() != SqlKind.UNION) {
      throw Errors.unsupported(node.getKind().toString(), node);
    }
    SqlCall call = (SqlCall) node;
    boolean all = ((SqlSetOperator) call.getOperator()).isAll();
    List<Plan> inputs = new ArrayList<>();
    List<String> names = null;
    for (SqlNode arm : call.getOperandList()) {
      Planned p = query(arm, false);
      if (p.emptyKeyRow().isPresent()) {
        throw Errors.unsupported("aggregate without GROUP BY in a UNION arm", arm);
      }
      Plan plan = p.visiblePlan();
      if (names == null) {
        names = p.names().subList(0, p.visible());
      } else if (p.visible() != names.size()) {
        throw Errors.at("SELECTs to the left and right of UNION" + (all ? " ALL" : "")
            + " do not have the same number of result columns", node);
      }
      if (plan instanceof Plan.Union u && u.all() == all) {
        inputs.addAll(u.inputs());
      } else {
        inputs.add(plan);
      }
    }
    Plan plan = new Plan.Union(inputs, all);
    List<SortKey> order = new ArrayList<>();
    if (orderList != null) {
      for (SqlNode item : orderList) {
        order.add(unionOrderKey(item, names));
      }
    }
    plan = limit(plan, List.of(), order, offset, fetch);
    return new Planned(plan, names, names.size(), List.of(), List.of(), order, Optional.empty());
  }

  private SortKey unionOrderKey(SqlNode item, List<String> names) throws QueryException {
    OrderTerm t = OrderTerm.of(item);
    if (t.expr() instanceof SqlNumericLiteral num) {
      return t.key(position(num, names.size()));
    }
    if (t.expr() instanceof SqlIdentifier id && id.isSimple()) {
      for (int i = 0; i < names.size(); i++) {
        if (names.get(i).equalsIgnoreCase(id.getSimple())) {
          return t.key(i);
        }
      }
    }
    throw Errors.at("ORDER BY term of a UNION does not match any column of the result: " + t.expr(), t.expr());
  }

  private static int position(SqlNumericLiteral num, int columns) throws QueryException {
    Value v = ExprTranslator.number(num.toValue());
    long k = SqliteValues.toInteger(v);
    if (!(v instanceof io.walflow.ingest.change.IntegerValue) || k < 1 || k > columns) {
      throw Errors.at("ORDER BY/GROUP BY position " + num + " is not between 1 and " + columns, num);
    }
    return (int) k - 1;
  }

  /** One ORDER BY term: the expression, its direction and NULL placement. */
  private record OrderTerm(SqlNode expr, boolean descending, Optional<Boolean> nullsFirst) {
    static OrderTerm of(SqlNode item) {
      boolean desc = false;
      Optional<Boolean> nulls = Optional.empty();
      SqlNode e = item;
      while (true) {
        if (e.getKind() == SqlKind.DESCENDING) {
          desc = true;
        } else if (e.getKind() == SqlKind.NULLS_FIRST) {
          nulls = Optional.of(true);
        } else if (e.getKind() == SqlKind.NULLS_LAST) {
          nulls = Optional.of(false);
        } else {
          break;
        }
        e = ((SqlCall) e).operand(0);
      }
      return new OrderTerm(e, desc, nulls);
    }

    SortKey key(int column) {
      return nullsFirst.map(n -> new SortKey(column, descending, n)).orElse(SortKey.of(column, descending));
    }
  }

  private Plan limit(Plan plan, List<Integer> groupBy, List<SortKey> order, SqlNode offset, SqlNode fetch)
      throws QueryException {
    if (fetch == null && offset == null) {
      return plan;
    }
    if (order.isEmpty()) {
      throw Errors.unsupported("LIMIT/OFFSET without ORDER BY (which rows SQLite returns is not defined)",
          fetch != null ? fetch : offset);
    }
    long off = offset == null ? 0 : count(offset, "OFFSET");
    long lim = fetch == null ? -1 : count(fetch, "LIMIT");
    if (lim < 0) {
      // SQLite: a negative LIMIT means no limit.
      lim = Long.MAX_VALUE - Math.max(0, off);
    }
    return new Plan.TopK(plan, groupBy, order, lim, Math.max(0, off));
  }

  private static long count(SqlNode n, String clause) throws QueryException {
    if (n instanceof SqlDynamicParam) {
      throw Errors.unsupported("parameter in " + clause, n);
    }
    if (n instanceof SqlNumericLiteral num) {
      Value v = ExprTranslator.number(num.toValue());
      if (v instanceof io.walflow.ingest.change.IntegerValue i) {
        return i.value();
      }
    }
    if (n.getKind() == SqlKind.MINUS_PREFIX && ((SqlCall) n).operand(0) instanceof SqlNumericLiteral num) {
      Value v = ExprTranslator.number("-" + num.toValue());
      if (v instanceof io.walflow.ingest.change.IntegerValue i) {
        return i.value();
      }
    }
    throw Errors.unsupported(clause + " that is not an integer literal", n);
  }

  // ------------------------------------------------------------------ SELECT

  /** A parameter bound by a top-level {@code column = ?}. */
  private record ParamBinding(int index, SqlIdentifier column) {}

  private Planned select(SqlSelect s, SqlNodeList orderList, SqlNode offset, SqlNode fetch, boolean outermost)
      throws QueryException {
    if (s.getWindowList() != null && !s.getWindowList().isEmpty()) {
      throw Errors.unsupported("WINDOW clause", s.getWindowList());
    }
    if (s.getQualify() != null) {
      throw Errors.unsupported("QUALIFY", s.getQualify());
    }
    if (s.getFrom() == null) {
      throw Errors.unsupported("SELECT without FROM", s);
    }
    List<SqlNode> conjuncts = new ArrayList<>();
    splitAnd(s.getWhere(), conjuncts);
    List<ParamBinding> bindings = new ArrayList<>();
    for (var it = conjuncts.iterator(); it.hasNext(); ) {
      SqlNode c = it.next();
      Optional<ParamBinding> b = outermost ? binding(c) : Optional.empty();
      if (b.isPresent()) {
        bindings.add(b.get());
        it.remove();
      } else {
        Optional<SqlNode> param = findParam(c);
        if (param.isPresent()) {
          throw Errors.unsupported("parameter '?' other than in 'column = ?' at the top level of the "
              + (outermost ? "" : "outermost query's ") + "WHERE clause (parameters become the view's key)", param.get());
        }
      }
    }
    bindings.sort((a, b) -> Integer.compare(a.index(), b.index()));
    From from = from(s.getFrom(), conjuncts, false);
    ExprTranslator tr = new ExprTranslator(from.scope());
    Plan plan = from.plan();
    List<Expr> filters = new ArrayList<>();
    for (SqlNode c : conjuncts) {
      filters.add(tr.translate(c));
    }
    if (!filters.isEmpty()) {
      plan = new Plan.Filter(plan, filters.size() == 1 ? filters.get(0) : new Expr.Call(Fn.AND, filters));
    }
    List<Expr.Column> keyExprs = new ArrayList<>();
    List<Affinity> paramAffinities = new ArrayList<>();
    for (ParamBinding b : bindings) {
      Expr.Column col = from.scope().resolve(b.column());
      keyExprs.add(col);
      paramAffinities.add(col.affinity());
    }

    // SELECT list, with * expanded.
    List<SqlNode> items = new ArrayList<>();
    List<String> names = new ArrayList<>();
    expandSelectList(s.getSelectList(), from.scope(), items, names);

    SqlNodeList group = s.getGroup();
    boolean userGroupBy = group != null && !group.isEmpty();
    boolean grouped = userGroupBy || ExprTranslator.containsAggregate(s.getSelectList())
        || ExprTranslator.containsAggregate(s.getHaving()) || ExprTranslator.containsAggregate(orderList);
    if (s.getHaving() != null && !grouped) {
      throw Errors.at("HAVING needs GROUP BY or an aggregate", s.getHaving());
    }

    List<Expr> exprs = new ArrayList<>();
    List<Integer> keyColumns = new ArrayList<>();
    ExprTranslator.AggContext agg = null;
    Optional<Expr> having = Optional.empty();
    if (!grouped) {
      for (SqlNode item : items) {
        exprs.add(tr.translate(item));
      }
    } else {
      agg = new ExprTranslator.AggContext();
      if (userGroupBy) {
        for (SqlNode g : group) {
          Expr e = groupExpr(g, items, names, tr, from.scope());
          if (!agg.groupExprs.contains(e)) {
            agg.groupExprs.add(e);
          }
        }
      }
      for (Expr.Column k : keyExprs) {
        if (!agg.groupExprs.contains(k)) {
          agg.groupExprs.add(k);
        }
      }
      for (SqlNode item : items) {
        exprs.add(tr.translate(item, agg));
      }
      if (s.getHaving() != null) {
        having = Optional.of(tr.translate(s.getHaving(), agg));
      }
    }
    int visible = exprs.size();
    // Key columns: hidden unless the same expression is selected.
    for (Expr.Column k : keyExprs) {
      Expr e = grouped ? new Expr.Column(agg.groupExprs.indexOf(k), k.affinity()) : k;
      keyColumns.add(addHidden(exprs, names, e, "_key" + keyColumns.size(), visible));
    }
    // ORDER BY.
    List<SortKey> order = new ArrayList<>();
    if (orderList != null) {
      for (SqlNode item : orderList) {
        OrderTerm t = OrderTerm.of(item);
        int col = orderColumn(t.expr(), names, visible, tr, agg, exprs, s.isDistinct());
        order.add(t.key(col));
      }
    }
    if (grouped) {
      List<Expr> pre = new ArrayList<>(agg.groupExprs);
      pre.addAll(agg.argExprs);
      List<String> preNames = new ArrayList<>();
      for (int i = 0; i < pre.size(); i++) {
        preNames.add(i < agg.groupCount() ? "_g" + i : "_a" + (i - agg.groupCount()));
      }
      Plan input = new Plan.Project(plan, pre, preNames);
      List<String> aggNames = new ArrayList<>(preNames.subList(0, agg.groupCount()));
      for (int i = 0; i < agg.calls.size(); i++) {
        aggNames.add("_agg" + i);
      }
      plan = new Plan.Aggregate(input, IntStream.range(0, agg.groupCount()).boxed().toList(), agg.calls, aggNames);
      if (having.isPresent()) {
        plan = new Plan.Filter(plan, having.get());
      }
    }
    plan = new Plan.Project(plan, exprs, names);
    if (s.isDistinct()) {
      plan = new Plan.Distinct(plan);
    }
    plan = limit(plan, keyColumns, order, offset, fetch);

    Optional<List<Expr>> emptyKeyRow = Optional.empty();
    if (grouped && !userGroupBy) {
      if (!outermost) {
        throw Errors.unsupported("aggregate without GROUP BY in a subquery (its row for an empty input)", s);
      }
      emptyKeyRow = emptyRow(exprs.subList(0, visible), having, agg, plan);
    }
    return new Planned(plan, names, visible, keyColumns, paramAffinities, order, emptyKeyRow);
  }

  /** Appends {@code e} as a hidden output column unless an equal one exists; returns its index. */
  private static int addHidden(List<Expr> exprs, List<String> names, Expr e, String name, int visible) {
    int idx = exprs.indexOf(e);
    if (idx >= 0) {
      return idx;
    }
    exprs.add(e);
    names.add(name);
    return exprs.size() - 1;
  }

  private int orderColumn(SqlNode e, List<String> names, int visible, ExprTranslator tr,
      ExprTranslator.AggContext agg, List<Expr> exprs, boolean distinct) throws QueryException {
    if (e instanceof SqlNumericLiteral num) {
      return position(num, visible);
    }
    if (e instanceof SqlIdentifier id && id.isSimple()) {
      for (int i = 0; i < visible; i++) {
        if (names.get(i).equalsIgnoreCase(id.getSimple())) {
          return i;
        }
      }
    }
    Expr x = tr.translate(e, agg);
    int idx = exprs.indexOf(x);
    if (idx >= 0) {
      return idx;
    }
    if (distinct) {
      throw Errors.unsupported("ORDER BY term that is not selected, in a SELECT DISTINCT", e);
    }
    exprs.add(x);
    names.add("_order" + (exprs.size() - 1));
    return exprs.size() - 1;
  }

  private Expr groupExpr(SqlNode g, List<SqlNode> items, List<String> names, ExprTranslator tr, Scope scope)
      throws QueryException {
    SqlNode target = g;
    if (g instanceof SqlNumericLiteral num) {
      target = items.get(position(num, items.size()));
    } else if (g instanceof SqlIdentifier id && id.isSimple()) {
      try {
        return scope.resolve(id);
      } catch (QueryException notAColumn) {
        for (int i = 0; i < items.size(); i++) {
          if (names.get(i).equalsIgnoreCase(id.getSimple())) {
            target = items.get(i);
            break;
          }
        }
        if (target == g) {
          throw notAColumn;
        }
      }
    }
    if (ExprTranslator.containsAggregate(target)) {
      throw Errors.at("aggregate functions are not allowed in the GROUP BY clause", g);
    }
    return tr.translate(target);
  }

  /**
   * The row a key without input rows reads as, for a query with aggregates and no GROUP BY: each
   * aggregate's value over no rows (COUNT 0, others NULL) and NULL for the key columns (SQLite's
   * bare columns over an empty input); none when HAVING rejects it or OFFSET/LIMIT drop it.
   */
  private static Optional<List<Expr>> emptyRow(List<Expr> visibleExprs, Optional<Expr> having,
      ExprTranslator.AggContext agg, Plan plan) {
    if (plan instanceof Plan.TopK top && (top.limit() == 0 || top.offset() > 0)) {
      return Optional.empty();
    }
    if (having.isPresent()) {
      Expr h = substituteEmpty(having.get(), agg);
      if (!SqliteValues.isTrue(ExprEvaluator.compile(h).apply(new Value[0], new Value[0]))) {
        return Optional.empty();
      }
    }
    List<Expr> row = new ArrayList<>();
    for (Expr e : visibleExprs) {
      row.add(substituteEmpty(e, agg));
    }
    return Optional.of(row);
  }

  private static Expr substituteEmpty(Expr e, ExprTranslator.AggContext agg) {
    if (e instanceof Expr.Column c) {
      int call = c.index() - agg.groupCount();
      if (call >= 0) {
        AggCall.Kind k = agg.calls.get(call).kind();
        boolean count = k == AggCall.Kind.COUNT || k == AggCall.Kind.COUNT_STAR || k == AggCall.Kind.COUNT_DISTINCT;
        return new Expr.Literal(count ? Value.of(0L) : Value.ofNull());
      }
      return new Expr.Literal(Value.ofNull());
    }
    if (e instanceof Expr.Call c) {
      return new Expr.Call(c.fn(), c.args().stream().map(a -> substituteEmpty(a, agg)).toList());
    }
    if (e instanceof Expr.Cast c) {
      return new Expr.Cast(substituteEmpty(c.arg(), agg), c.affinity());
    }
    if (e instanceof Expr.Case c) {
      return new Expr.Case(c.operand().map(o -> substituteEmpty(o, agg)),
          c.whens().stream().map(w -> substituteEmpty(w, agg)).toList(),
          c.thens().stream().map(t -> substituteEmpty(t, agg)).toList(),
          c.otherwise().map(o -> substituteEmpty(o, agg)));
    }
    return e;
  }

  private void expandSelectList(SqlNodeList list, Scope scope, List<SqlNode> items, List<String> names)
      throws QueryException {
    for (SqlNode item : list) {
      if (item instanceof SqlIdentifier id && id.isStar()) {
        boolean any = false;
        for (Scope.Entry e : scope.entries()) {
          if (id.names.size() >= 2 && !id.names.get(id.names.size() - 2).equalsIgnoreCase(e.alias())) {
            continue;
          }
          any = true;
          for (String n : e.names()) {
            items.add(new SqlIdentifier(List.of(e.alias(), n), id.getParserPosition()));
            names.add(n);
          }
        }
        if (!any) {
          throw Errors.at("no table or alias named '" + id.names.get(0) + "' for " + id, id);
        }
        continue;
      }
      if (item.getKind() == SqlKind.AS) {
        SqlCall as = (SqlCall) item;
        items.add(as.operand(0));
        names.add(((SqlIdentifier) as.operand(1)).getSimple());
        continue;
      }
      items.add(item);
      names.add(item instanceof SqlIdentifier id ? id.names.get(id.names.size() - 1) : text(item));
    }
  }

  /** The query text of {@code node}, as SQLite names an unaliased result column. */
  private String text(SqlNode node) {
    SqlParserPos p = node.getParserPosition();
    int start = offset(p.getLineNum(), p.getColumnNum());
    int end = offset(p.getEndLineNum(), p.getEndColumnNum());
    if (start < 0 || end < start || end >= sql.length()) {
      return node.toString();
    }
    return sql.substring(start, end + 1);
  }

  private int offset(int line, int column) {
    int off = 0;
    for (int l = 1; l < line; l++) {
      int nl = sql.indexOf('\n', off);
      if (nl < 0) {
        return -1;
      }
      off = nl + 1;
    }
    return off + column - 1;
  }

  private static void splitAnd(SqlNode n, List<SqlNode> out) {
    if (n == null) {
      return;
    }
    if (n.getKind() == SqlKind.AND) {
      for (SqlNode o : ((SqlCall) n).getOperandList()) {
        splitAnd(o, out);
      }
    } else {
      out.add(n);
    }
  }

  private static Optional<ParamBinding> binding(SqlNode c) {
    if (c.getKind() != SqlKind.EQUALS) {
      return Optional.empty();
    }
    SqlNode a = ((SqlCall) c).operand(0);
    SqlNode b = ((SqlCall) c).operand(1);
    if (a instanceof SqlDynamicParam p && b instanceof SqlIdentifier id && !id.isStar()) {
      return Optional.of(new ParamBinding(p.getIndex(), id));
    }
    if (b instanceof SqlDynamicParam p && a instanceof SqlIdentifier id && !id.isStar()) {
      return Optional.of(new ParamBinding(p.getIndex(), id));
    }
    return Optional.empty();
  }

  private static Optional<SqlNode> findParam(SqlNode n) {
    if (n == null) {
      return Optional.empty();
    }
    if (n instanceof SqlDynamicParam) {
      return Optional.of(n);
    }
    if (n instanceof SqlNodeList list) {
      for (SqlNode c : list) {
        Optional<SqlNode> f = findParam(c);
        if (f.isPresent()) {
          return f;
        }
      }
    } else if (n instanceof SqlCall call) {
      for (SqlNode c : call.getOperandList()) {
        Optional<SqlNode> f = findParam(c);
        if (f.isPresent()) {
          return f;
        }
      }
    }
    return Optional.empty();
  }

  // ------------------------------------------------------------------ FROM

  /** A planned FROM clause: its rows and the names they carry. */
  private record From(Plan plan, Scope scope) {}

  private From from(SqlNode n, List<SqlNode> whereConjuncts, boolean nullable) throws QueryException {
    switch (n.getKind()) {
      case IDENTIFIER:
        return table((SqlIdentifier) n, Optional.empty());
      case AS: {
        SqlCall as = (SqlCall) n;
        if (as.operandCount() > 2) {
          throw Errors.unsupported("column alias list after a table alias", as.operand(2));
        }
        String alias = ((SqlIdentifier) as.operand(1)).getSimple();
        SqlNode target = as.operand(0);
        if (target instanceof SqlIdentifier id) {
          return table(id, Optional.of(alias));
        }
        return subquery(target, alias, whereConjuncts, nullable);
      }
      case SELECT:
      case ORDER_BY:
      case UNION:
      case INTERSECT:
      case EXCEPT:
      case WITH:
        return subquery(n, "", whereConjuncts, nullable);
      case JOIN:
        return join((SqlJoin) n, whereConjuncts, nullable);
      case LATERAL:
        throw Errors.unsupported("LATERAL", n);
      case COLLECTION_TABLE:
        throw Errors.unsupported("table function", n);
      case VALUES:
        throw Errors.unsupported("VALUES", n);
      default:
        throw Errors.unsupported("FROM item " + n.getKind(), n);
    }
  }

  private From subquery(SqlNode n, String alias, List<SqlNode> whereConjuncts, boolean nullable)
      throws QueryException {
    Planned p = query(n, false);
    Plan plan = p.visiblePlan();
    List<String> names = p.names().subList(0, p.visible());
    Scope scope = Scope.of(alias, names, affinities(plan));
    if (plan instanceof Plan.Union u && !nullable) {
      // SQLite pushes WHERE terms on a compound subquery's columns down into each arm, where they
      // compare the arm's own expressions (with their affinities); the outer term stays. Do the same
      // so that affinity-sensitive comparisons give SQLite's answer.
      for (SqlNode c : whereConjuncts) {
        if (!onlyReferences(c, alias, names)) {
          continue;
        }
        Expr term;
        try {
          term = new ExprTranslator(scope).translate(c);
        } catch (QueryException notPushable) {
          continue;
        }
        u = pushDown(u, term);
      }
      plan = u;
    }
    return new From(plan, scope);
  }

  private static boolean onlyReferences(SqlNode n, String alias, List<String> names) {
    if (n == null) {
      return true;
    }
    if (n instanceof SqlDynamicParam) {
      return false;
    }
    if (n instanceof SqlIdentifier id) {
      if (id.isStar() || id.names.size() > 2) {
        return false;
      }
      if (id.names.size() == 2 && !id.names.get(0).equalsIgnoreCase(alias)) {
        return false;
      }
      String col = id.names.get(id.names.size() - 1);
      return names.stream().anyMatch(col::equalsIgnoreCase);
    }
    if (n.getKind() == SqlKind.SELECT || n.getKind() == SqlKind.SCALAR_QUERY || n.getKind() == SqlKind.EXISTS) {
      return false;
    }
    if (n instanceof SqlNodeList list) {
      for (SqlNode c : list) {
        if (!onlyReferences(c, alias, names)) {
          return false;
        }
      }
      return true;
    }
    if (n instanceof SqlCall call) {
      for (SqlNode c : call.getOperandList()) {
        if (!onlyReferences(c, alias, names)) {
          return false;
        }
      }
    }
    return true;
  }

  private static Plan.Union pushDown(Plan.Union u, Expr term) {
    List<Plan> inputs = new ArrayList<>();
    for (Plan in : u.inputs()) {
      inputs.add(pushArm(in, term));
    }
    return new Plan.Union(inputs, u.all());
  }

  private static Plan pushArm(Plan arm, Expr term) {
    if (arm instanceof Plan.Project p) {
      return new Plan.Project(new Plan.Filter(p.input(), substitute(term, p.exprs())), p.exprs(), p.columns());
    }
    if (arm instanceof Plan.Distinct d) {
      return new Plan.Distinct(pushArm(d.input(), term));
    }
    if (arm instanceof Plan.Union u) {
      return pushDown(u, term);
    }
    return new Plan.Filter(arm, term);
  }

  /** {@code e} with each column reference replaced by the expression that computes it. */
  private static Expr substitute(Expr e, List<Expr> columns) {
    if (e instanceof Expr.Column c) {
      return columns.get(c.index());
    }
    if (e instanceof Expr.Call c) {
      return new Expr.Call(c.fn(), c.args().stream().map(a -> substitute(a, columns)).toList());
    }
    if (e instanceof Expr.Cast c) {
      return new Expr.Cast(substitute(c.arg(), columns), c.affinity());
    }
    if (e instanceof Expr.Case c) {
      return new Expr.Case(c.operand().map(o -> substitute(o, columns)),
          c.whens().stream().map(w -> substitute(w, columns)).toList(),
          c.thens().stream().map(t -> substitute(t, columns)).toList(),
          c.otherwise().map(o -> substitute(o, columns)));
    }
    return e;
  }

  private From table(SqlIdentifier id, Optional<String> alias) throws QueryException {
    String tableDb;
    String name;
    if (id.names.size() == 1) {
      name = id.getSimple();
      if (db != null) {
        tableDb = db;
      } else {
        var dbs = catalog.databases();
        if (dbs.isEmpty()) {
          throw Errors.at("no such table: " + name + " (no database is captured)", id);
        }
        if (dbs.size() > 1) {
          throw Errors.at("table " + name + " is not qualified and several databases are captured ("
              + String.join(", ", dbs) + "): write <database>." + name, id);
        }
        tableDb = dbs.iterator().next();
      }
    } else if (id.names.size() == 2) {
      tableDb = id.names.get(0);
      name = id.names.get(1);
      if (!catalog.databases().contains(tableDb)) {
        throw Errors.at("no such database: " + tableDb + "; captured: " + String.join(", ", catalog.databases()), id);
      }
    } else {
      throw Errors.at("table name " + id + " has too many parts", id);
    }
    if (db != null && !db.equals(tableDb)) {
      throw Errors.unsupported("a query over two databases (" + db + " and " + tableDb
          + "): a view reads one database", id);
    }
    TableSchema t = catalog.table(tableDb, name).orElseThrow(() -> Errors.at("no such table: " + name
        + " in database " + tableDb + "; tables: " + String.join(", ", catalog.tables(tableDb)), id));
    db = tableDb;
    List<Affinity> affs = t.columns().stream().map(TableSchema.Column::affinity).toList();
    Plan.Scan scan = new Plan.Scan(tableDb, t.name(), t.columnNames(), affs);
    return new From(scan, Scope.of(alias.orElse(t.name()), t.columnNames(), affs));
  }

  private From join(SqlJoin j, List<SqlNode> whereConjuncts, boolean nullable) throws QueryException {
    if (j.isNatural()) {
      throw Errors.unsupported("NATURAL JOIN", j.isNaturalNode());
    }
    if (j.getConditionType() == JoinConditionType.USING) {
      throw Errors.unsupported("JOIN … USING (write ON with equalities)", j.getCondition());
    }
    JoinType type = j.getJoinType();
    boolean leftOuter;
    switch (type) {
      case INNER:
      case COMMA:
      case CROSS:
        leftOuter = false;
        break;
      case LEFT:
        leftOuter = true;
        break;
      case RIGHT:
        throw Errors.unsupported("RIGHT JOIN", j.getJoinTypeNode());
      case FULL:
        throw Errors.unsupported("FULL JOIN", j.getJoinTypeNode());
      default:
        throw Errors.unsupported(type + " join", j.getJoinTypeNode());
    }
    From left = from(j.getLeft(), whereConjuncts, nullable);
    From right = from(j.getRight(), whereConjuncts, nullable || leftOuter);
    Scope scope = left.scope().concat(right.scope());
    int wl = left.scope().width();
    ExprTranslator tr = new ExprTranslator(scope);
    List<Integer> lk = new ArrayList<>();
    List<Integer> rk = new ArrayList<>();
    List<Affinity> ka = new ArrayList<>();
    List<Expr> residual = new ArrayList<>();
    List<SqlNode> on = new ArrayList<>();
    splitAnd(j.getCondition(), on);
    for (SqlNode c : on) {
      Optional<SqlNode> param = findParam(c);
      if (param.isPresent()) {
        throw Errors.unsupported("parameter '?' in a join condition (parameters belong in the outermost WHERE)", param.get());
      }
      Expr e = tr.translate(c);
      if (!equiKey(e, wl, lk, rk, ka)) {
        residual.add(e);
      }
    }
    if (lk.isEmpty() && !leftOuter) {
      // An inner join may take its equalities from WHERE.
      for (var it = whereConjuncts.iterator(); it.hasNext(); ) {
        SqlNode c = it.next();
        if (c.getKind() != SqlKind.EQUALS || findParam(c).isPresent()) {
          continue;
        }
        Expr e;
        try {
          e = tr.translate(c);
        } catch (QueryException notInThisJoin) {
          continue;
        }
        if (equiKey(e, wl, lk, rk, ka)) {
          it.remove();
        }
      }
    }
    if (lk.isEmpty()) {
      throw Errors.unsupported("join without an equality between its two sides (cross or non-equi join)", j);
    }
    Optional<Expr> res = residual.isEmpty() ? Optional.empty()
        : Optional.of(residual.size() == 1 ? residual.get(0) : new Expr.Call(Fn.AND, residual));
    return new From(new Plan.Join(left.plan(), right.plan(), leftOuter, lk, rk, ka, res), scope);
  }

  /** Adds {@code e} as a join key when it is {@code leftColumn = rightColumn}. */
  private static boolean equiKey(Expr e, int wl, List<Integer> lk, List<Integer> rk, List<Affinity> ka) {
    if (!(e instanceof Expr.Call c) || c.fn() != Fn.EQ
        || !(c.args().get(0) instanceof Expr.Column a) || !(c.args().get(1) instanceof Expr.Column b)) {
      return false;
    }
    if (a.index() < wl && b.index() >= wl) {
      lk.add(a.index());
      rk.add(b.index() - wl);
    } else if (b.index() < wl && a.index() >= wl) {
      lk.add(b.index());
      rk.add(a.index() - wl);
    } else {
      return false;
    }
    ka.add(SqliteValues.comparisonAffinity(a.affinity(), b.affinity()));
    return true;
  }

  // ------------------------------------------------------------------ affinities

  /** Each output column's affinity, as an expression reading it would have. */
  static List<Affinity> affinities(Plan plan) {
    if (plan instanceof Plan.Scan s) {
      return s.affinities();
    }
    if (plan instanceof Plan.Filter f) {
      return affinities(f.input());
    }
    if (plan instanceof Plan.Distinct d) {
      return affinities(d.input());
    }
    if (plan instanceof Plan.TopK t) {
      return affinities(t.input());
    }
    if (plan instanceof Plan.Project p) {
      return p.exprs().stream().map(Expr::affinity).toList();
    }
    if (plan instanceof Plan.Join j) {
      List<Affinity> all = new ArrayList<>(affinities(j.left()));
      all.addAll(affinities(j.right()));
      return all;
    }
    if (plan instanceof Plan.Aggregate a) {
      List<Affinity> in = affinities(a.input());
      List<Affinity> out = new ArrayList<>();
      for (int g : a.groupBy()) {
        out.add(in.get(g));
      }
      for (int i = 0; i < a.calls().size(); i++) {
        out.add(Affinity.NONE);
      }
      return out;
    }
    return compoundAffinities((Plan.Union) plan);
  }

  /**
   * The affinities of a compound SELECT's columns, by SQLite's rule (sqlite3SubqueryColumnTypes):
   * the first arm's expression that has an affinity gives it; a TEXT column becomes BLOB when a
   * later arm may yield a number, a numeric one when a later arm may yield text.
   */
  private static List<Affinity> compoundAffinities(Plan.Union u) {
    List<List<Expr>> arms = new ArrayList<>();
    for (Plan in : u.inputs()) {
      arms(in, arms);
    }
    int width = u.columns().size();
    List<Affinity> out = new ArrayList<>();
    for (int i = 0; i < width; i++) {
      int k = 0;
      int mask = 0;
      Affinity aff = arms.get(0).get(i).affinity();
      while (aff == Affinity.NONE && k + 1 < arms.size()) {
        mask |= dataTypes(arms.get(k).get(i));
        k++;
        aff = arms.get(k).get(i).affinity();
      }
      if (aff != Affinity.NONE && aff != Affinity.BLOB && arms.size() > 1) {
        for (int j = k + 1; j < arms.size(); j++) {
          mask |= dataTypes(arms.get(j).get(i));
        }
        if (aff == Affinity.TEXT && (mask & 0x01) != 0) {
          aff = Affinity.BLOB;
        } else if (aff.isNumeric() && (mask & 0x02) != 0) {
          aff = Affinity.BLOB;
        }
      }
      out.add(aff);
    }
    return out;
  }

  /** The select lists of a compound's arms, in order (SQLite's compounds are flat lists of arms). */
  private static void arms(Plan p, List<List<Expr>> out) {
    if (p instanceof Plan.Union u) {
      for (Plan in : u.inputs()) {
        arms(in, out);
      }
    } else if (p instanceof Plan.Project pr) {
      out.add(pr.exprs());
    } else if (p instanceof Plan.Distinct d) {
      arms(d.input(), out);
    } else if (p instanceof Plan.TopK t) {
      arms(t.input(), out);
    } else if (p instanceof Plan.Filter f) {
      arms(f.input(), out);
    } else {
      List<Expr> cols = new ArrayList<>();
      List<Affinity> affs = affinities(p);
      for (int i = 0; i < affs.size(); i++) {
        cols.add(new Expr.Column(i, affs.get(i)));
      }
      out.add(cols);
    }
  }

  /** SQLite's sqlite3ExprDataType: which classes an expression may yield (1 number, 2 text, 4 blob). */
  private static int dataTypes(Expr e) {
    if (e instanceof Expr.Literal l) {
      Value v = l.value();
      if (v instanceof io.walflow.ingest.change.NullValue) {
        return 0;
      }
      if (v instanceof io.walflow.ingest.change.TextValue) {
        return 0x02;
      }
      return v instanceof io.walflow.ingest.change.BlobValue ? 0x04 : 0x01;
    }
    if (e instanceof Expr.Column || e instanceof Expr.Cast) {
      Affinity a = e.affinity();
      return a.isNumeric() ? 0x05 : (a == Affinity.TEXT ? 0x06 : 0x07);
    }
    if (e instanceof Expr.Param) {
      return 0x07;
    }
    if (e instanceof Expr.Case c) {
      int m = c.otherwise().map(QueryPlanner::dataTypes).orElse(0);
      for (Expr t : c.thens()) {
        m |= dataTypes(t);
      }
      return m;
    }
    Expr.Call call = (Expr.Call) e;
    switch (call.fn()) {
      case CONCAT:
        return 0x06;
      case ABS: case LOWER: case UPPER: case LENGTH: case SUBSTR: case ROUND: case TYPEOF: case IFNULL:
      case NULLIF:
        return 0x07;
      case COALESCE:
        // Unary + is planned as coalesce(x, NULL): SQLite looks through it.
        if (call.args().size() == 2 && call.args().get(1) instanceof Expr.Literal l
            && l.value() instanceof io.walflow.ingest.change.NullValue) {
          return dataTypes(call.args().get(0));
        }
        return 0x07;
      default:
        return 0x01;
    }
  }
}
