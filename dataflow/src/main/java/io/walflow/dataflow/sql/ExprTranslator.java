package io.walflow.dataflow.sql;

import io.walflow.dataflow.QueryException;
import io.walflow.dataflow.plan.AggCall;
import io.walflow.dataflow.plan.Affinity;
import io.walflow.dataflow.plan.Expr;
import io.walflow.dataflow.plan.Fn;
import io.walflow.ingest.change.Value;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.apache.calcite.sql.SqlBasicCall;
import org.apache.calcite.sql.SqlBinaryStringLiteral;
import org.apache.calcite.sql.SqlCall;
import org.apache.calcite.sql.fun.SqlCase;
import org.apache.calcite.sql.SqlCharStringLiteral;
import org.apache.calcite.sql.SqlDataTypeSpec;
import org.apache.calcite.sql.SqlDynamicParam;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlKind;
import org.apache.calcite.sql.SqlLiteral;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.SqlNodeList;
import org.apache.calcite.sql.SqlNumericLiteral;
import org.apache.calcite.sql.fun.SqlBetweenOperator;
import org.apache.calcite.sql.fun.SqlLikeOperator;
import org.apache.calcite.sql.type.SqlTypeName;
import org.apache.calcite.util.BitString;

/**
 * Translates a Calcite expression tree (unvalidated {@link SqlNode}s, which keep their positions
 * and SQLite's meaning) into a plan {@link Expr} over the columns of a {@link Scope}, with SQLite's
 * literal types and operator semantics.
 */
final class ExprTranslator {

  /** Scalar functions by SQLite name, with their arities. */
  private record FnSpec(Fn fn, int min, int max) {}

  private static final Map<String, FnSpec> FUNCTIONS = Map.ofEntries(
      Map.entry("ABS", new FnSpec(Fn.ABS, 1, 1)),
      Map.entry("LOWER", new FnSpec(Fn.LOWER, 1, 1)),
      Map.entry("UPPER", new FnSpec(Fn.UPPER, 1, 1)),
      Map.entry("LENGTH", new FnSpec(Fn.LENGTH, 1, 1)),
      Map.entry("SUBSTR", new FnSpec(Fn.SUBSTR, 2, 3)),
      Map.entry("SUBSTRING", new FnSpec(Fn.SUBSTR, 2, 3)),
      Map.entry("ROUND", new FnSpec(Fn.ROUND, 1, 2)),
      Map.entry("TYPEOF", new FnSpec(Fn.TYPEOF, 1, 1)),
      Map.entry("COALESCE", new FnSpec(Fn.COALESCE, 2, Integer.MAX_VALUE)),
      Map.entry("IFNULL", new FnSpec(Fn.IFNULL, 2, 2)),
      Map.entry("NULLIF", new FnSpec(Fn.NULLIF, 2, 2)));

  /** The aggregate functions views support. */
  static final List<String> AGGREGATES = List.of("COUNT", "SUM", "MIN", "MAX", "AVG");

  /**
   * The aggregates of a grouped query being translated: expressions equal to a GROUP BY expression
   * become its column; aggregate calls are registered and become theirs.
   */
  static final class AggContext {
    final List<Expr> groupExprs = new ArrayList<>();
    final List<Expr> argExprs = new ArrayList<>();
    final List<AggCall> calls = new ArrayList<>();
    /** Index of each call's argument in {@link #argExprs} (-1 for COUNT(*)). */
    final List<Integer> callArgs = new ArrayList<>();

    int groupCount() {
      return groupExprs.size();
    }
  }

  private final Scope scope;

  ExprTranslator(Scope scope) {
    this.scope = scope;
  }

  static boolean isAggregateCall(SqlNode n) {
    if (!(n instanceof SqlCall call) || n.getKind() == SqlKind.OVER) {
      return false;
    }
    String name = call.getOperator().getName().toUpperCase(Locale.ROOT);
    return AGGREGATES.contains(name) && !(("MIN".equals(name) || "MAX".equals(name)) && call.operandCount() != 1);
  }

  static boolean containsAggregate(SqlNode n) {
    if (n == null) {
      return false;
    }
    if (isAggregateCall(n)) {
      return true;
    }
    if (n instanceof SqlNodeList list) {
      for (SqlNode c : list) {
        if (containsAggregate(c)) {
          return true;
        }
      }
      return false;
    }
    if (n instanceof SqlCall call && n.getKind() != SqlKind.SELECT) {
      for (SqlNode c : call.getOperandList()) {
        if (containsAggregate(c)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Translates {@code n} over the scope's row. */
  Expr translate(SqlNode n) throws QueryException {
    return translate(n, null);
  }

  /** Translates {@code n}; with {@code agg}, over the aggregate's output (group columns, then calls). */
  Expr translate(SqlNode n, AggContext agg) throws QueryException {
    if (agg != null) {
      if (isAggregateCall(n)) {
        return register((SqlCall) n, agg);
      }
      if (!containsAggregate(n)) {
        Expr e = translate(n, null);
        int idx = agg.groupExprs.indexOf(e);
        if (idx >= 0) {
          return new Expr.Column(idx, e.affinity());
        }
        if (!referencesColumns(e)) {
          return e;
        }
        if (n instanceof SqlIdentifier) {
          throw Errors.unsupported("column '" + n + "' outside GROUP BY and aggregates (SQLite's bare columns)", n);
        }
      }
    }
    if (n instanceof SqlIdentifier id) {
      if (id.isStar()) {
        throw Errors.unsupported("'*' in an expression", n);
      }
      return scope.resolve(id);
    }
    if (n instanceof SqlLiteral lit) {
      return new Expr.Literal(literal(lit));
    }
    if (n instanceof SqlDynamicParam) {
      throw Errors.unsupported("parameter '?' outside a 'column = ?' condition of the outermost WHERE's top-level AND", n);
    }
    if (n instanceof SqlNodeList) {
      throw Errors.unsupported("row value", n);
    }
    if (n instanceof SqlCase c) {
      return caseExpr(c, agg);
    }
    if (!(n instanceof SqlCall call)) {
      throw Errors.unsupported("expression " + n.getKind(), n);
    }
    return callExpr(call, agg);
  }

  private static boolean referencesColumns(Expr e) {
    if (e instanceof Expr.Column) {
      return true;
    }
    if (e instanceof Expr.Call c) {
      return c.args().stream().anyMatch(ExprTranslator::referencesColumns);
    }
    if (e instanceof Expr.Cast c) {
      return referencesColumns(c.arg());
    }
    if (e instanceof Expr.Case c) {
      return c.operand().map(ExprTranslator::referencesColumns).orElse(false)
          || c.whens().stream().anyMatch(ExprTranslator::referencesColumns)
          || c.thens().stream().anyMatch(ExprTranslator::referencesColumns)
          || c.otherwise().map(ExprTranslator::referencesColumns).orElse(false);
    }
    return false;
  }

  private Expr register(SqlCall call, AggContext agg) throws QueryException {
    String name = call.getOperator().getName().toUpperCase(Locale.ROOT);
    if (call.getKind() == SqlKind.FILTER || call.getKind() == SqlKind.WITHIN_GROUP) {
      throw Errors.unsupported(name + " with FILTER or WITHIN GROUP", call);
    }
    boolean distinct = call.getFunctionQuantifier() != null
        && "DISTINCT".equalsIgnoreCase(call.getFunctionQuantifier().toValue());
    List<SqlNode> ops = call.getOperandList();
    AggCall.Kind kind;
    Optional<SqlNode> arg = Optional.empty();
    if ("COUNT".equals(name) && ops.size() == 1 && ops.get(0) instanceof SqlIdentifier id && id.isStar()) {
      if (distinct) {
        throw Errors.at("COUNT(DISTINCT *) is not valid", call);
      }
      kind = AggCall.Kind.COUNT_STAR;
    } else {
      if (ops.size() != 1) {
        throw Errors.at("wrong number of arguments to function " + name.toLowerCase(Locale.ROOT) + "()", call);
      }
      arg = Optional.of(ops.get(0));
      if (containsAggregate(ops.get(0))) {
        throw Errors.at("misuse of aggregate function inside " + name.toLowerCase(Locale.ROOT) + "()", ops.get(0));
      }
      if (distinct && !"COUNT".equals(name)) {
        throw Errors.unsupported(name + "(DISTINCT …) (only COUNT(DISTINCT x) is supported)", call);
      }
      switch (name) {
        case "COUNT":
          kind = distinct ? AggCall.Kind.COUNT_DISTINCT : AggCall.Kind.COUNT;
          break;
        case "SUM":
          kind = AggCall.Kind.SUM;
          break;
        case "MIN":
          kind = AggCall.Kind.MIN;
          break;
        case "MAX":
          kind = AggCall.Kind.MAX;
          break;
        default:
          kind = AggCall.Kind.AVG;
      }
    }
    int argIndex = -1;
    if (arg.isPresent()) {
      Expr e = translate(arg.get(), null);
      argIndex = agg.argExprs.indexOf(e);
      if (argIndex < 0) {
        agg.argExprs.add(e);
        argIndex = agg.argExprs.size() - 1;
      }
    }
    for (int i = 0; i < agg.calls.size(); i++) {
      if (agg.calls.get(i).kind() == kind && agg.callArgs.get(i) == argIndex) {
        return new Expr.Column(agg.groupCount() + i, Affinity.NONE);
      }
    }
    // The pre-projection is the group expressions then the arguments: all group expressions are
    // known before the first aggregate is registered.
    agg.calls.add(new AggCall(kind, argIndex < 0 ? OptionalInt.empty() : OptionalInt.of(agg.groupCount() + argIndex)));
    agg.callArgs.add(argIndex);
    return new Expr.Column(agg.groupCount() + agg.calls.size() - 1, Affinity.NONE);
  }

  private Expr caseExpr(SqlCase c, AggContext agg) throws QueryException {
    Optional<Expr> operand = c.getValueOperand() == null ? Optional.empty() : Optional.of(translate(c.getValueOperand(), agg));
    List<Expr> whens = new ArrayList<>();
    List<Expr> thens = new ArrayList<>();
    for (SqlNode w : c.getWhenOperands()) {
      whens.add(translate(w, agg));
    }
    for (SqlNode t : c.getThenOperands()) {
      thens.add(translate(t, agg));
    }
    Optional<Expr> otherwise = c.getElseOperand() == null ? Optional.empty() : Optional.of(translate(c.getElseOperand(), agg));
    return new Expr.Case(operand, whens, thens, otherwise);
  }

  private Expr call(Fn fn, List<SqlNode> operands, AggContext agg) throws QueryException {
    List<Expr> args = new ArrayList<>();
    for (SqlNode o : operands) {
      args.add(translate(o, agg));
    }
    return new Expr.Call(fn, args);
  }

  private Expr callExpr(SqlCall call, AggContext agg) throws QueryException {
    List<SqlNode> ops = call.getOperandList();
    switch (call.getKind()) {
      case EQUALS: return call(Fn.EQ, ops, agg);
      case NOT_EQUALS: return call(Fn.NE, ops, agg);
      case LESS_THAN: return call(Fn.LT, ops, agg);
      case LESS_THAN_OR_EQUAL: return call(Fn.LE, ops, agg);
      case GREATER_THAN: return call(Fn.GT, ops, agg);
      case GREATER_THAN_OR_EQUAL: return call(Fn.GE, ops, agg);
      case IS_NOT_DISTINCT_FROM: return call(Fn.IS, ops, agg);
      case IS_DISTINCT_FROM: return call(Fn.IS_NOT, ops, agg);
      case AND: return call(Fn.AND, ops, agg);
      case OR: return call(Fn.OR, ops, agg);
      case NOT: return call(Fn.NOT, ops, agg);
      case IS_NULL: return call(Fn.IS_NULL, ops, agg);
      case IS_NOT_NULL: return call(Fn.IS_NOT_NULL, ops, agg);
      case PLUS: return call(Fn.PLUS, ops, agg);
      case MINUS: return call(Fn.MINUS, ops, agg);
      case TIMES: return call(Fn.TIMES, ops, agg);
      case DIVIDE: return call(Fn.DIVIDE, ops, agg);
      case MOD: return call(Fn.MOD, ops, agg);
      case MINUS_PREFIX: {
        SqlNode o = ops.get(0);
        if (o instanceof SqlNumericLiteral num) {
          // SQLite folds a negative numeric literal, so -9223372036854775808 is an integer.
          return new Expr.Literal(number("-" + num.toValue()));
        }
        return call(Fn.NEGATE, ops, agg);
      }
      case PLUS_PREFIX:
        // Unary + keeps the value but drops the operand's affinity, as in SQLite.
        return new Expr.Call(Fn.COALESCE, List.of(translate(ops.get(0), agg), new Expr.Literal(Value.ofNull())));
      case LIKE: {
        SqlLikeOperator op = (SqlLikeOperator) call.getOperator();
        if (ops.size() > 2) {
          throw Errors.unsupported("LIKE … ESCAPE", call);
        }
        Expr like = call(Fn.LIKE, ops, agg);
        return op.isNegated() ? new Expr.Call(Fn.NOT, List.of(like)) : like;
      }
      case SIMILAR:
        throw Errors.unsupported("SIMILAR TO", call);
      case IN:
      case NOT_IN: {
        if (!(ops.get(1) instanceof SqlNodeList list)) {
          throw Errors.unsupported("subquery in an expression (subqueries are supported in FROM only)", ops.get(1));
        }
        if (ops.get(0) instanceof SqlNodeList) {
          throw Errors.unsupported("row value in IN", ops.get(0));
        }
        List<Expr> args = new ArrayList<>();
        args.add(translate(ops.get(0), agg));
        for (SqlNode e : list) {
          args.add(translate(e, agg));
        }
        return new Expr.Call(call.getKind() == SqlKind.IN ? Fn.IN : Fn.NOT_IN, args);
      }
      case BETWEEN: {
        SqlBetweenOperator op = (SqlBetweenOperator) call.getOperator();
        if (op.flag == SqlBetweenOperator.Flag.SYMMETRIC) {
          throw Errors.unsupported("BETWEEN SYMMETRIC", call);
        }
        Expr x = translate(ops.get(0), agg);
        Expr lo = translate(ops.get(1), agg);
        Expr hi = translate(ops.get(2), agg);
        Expr between = new Expr.Call(Fn.AND, List.of(new Expr.Call(Fn.GE, List.of(x, lo)), new Expr.Call(Fn.LE, List.of(x, hi))));
        return op.isNegated() ? new Expr.Call(Fn.NOT, List.of(between)) : between;
      }
      case CAST: {
        SqlDataTypeSpec type = (SqlDataTypeSpec) ops.get(1);
        String name = type.getTypeName().getSimple();
        return new Expr.Cast(translate(ops.get(0), agg), Affinity.ofDeclaredType(name));
      }
      case OVER:
        throw Errors.unsupported("window function (OVER)", call);
      case SCALAR_QUERY:
      case EXISTS:
      case SELECT:
      case UNIQUE:
        throw Errors.unsupported("subquery in an expression (subqueries are supported in FROM only)", call);
      default:
        break;
    }
    String name = call.getOperator().getName().toUpperCase(Locale.ROOT);
    if ("||".equals(name)) {
      return call(Fn.CONCAT, ops, agg);
    }
    if (isAggregateCall(call)) {
      throw Errors.at("misuse of aggregate function " + name.toLowerCase(Locale.ROOT) + "()", call);
    }
    FnSpec spec = FUNCTIONS.get(name);
    if (spec == null) {
      if (call.getKind() == SqlKind.OTHER_FUNCTION || call.getOperator().getSyntax() == org.apache.calcite.sql.SqlSyntax.FUNCTION) {
        throw Errors.at("no such function: " + name.toLowerCase(Locale.ROOT) + " (views support "
            + "abs, lower, upper, length, substr, round, typeof, coalesce, ifnull, nullif and the aggregates "
            + "count, sum, min, max, avg)", call);
      }
      throw Errors.unsupported("operator " + call.getOperator().getName(), call);
    }
    if (ops.size() < spec.min() || ops.size() > spec.max()) {
      throw Errors.at("wrong number of arguments to function " + name.toLowerCase(Locale.ROOT) + "()", call);
    }
    return call(spec.fn(), ops, agg);
  }

  /** A SQL literal as SQLite reads it. */
  static Value literal(SqlLiteral lit) throws QueryException {
    if (lit.getTypeName() == SqlTypeName.NULL) {
      return Value.ofNull();
    }
    if (lit instanceof SqlNumericLiteral num) {
      return number(num.toValue());
    }
    if (lit instanceof SqlCharStringLiteral s) {
      return Value.of(s.getValueAs(String.class));
    }
    if (lit instanceof SqlBinaryStringLiteral b) {
      return Value.of(b.getValueAs(BitString.class).getAsByteArray());
    }
    if (lit.getTypeName() == SqlTypeName.BOOLEAN) {
      return Value.of(Boolean.TRUE.equals(lit.getValueAs(Boolean.class)) ? 1L : 0L);
    }
    throw Errors.unsupported("literal of type " + lit.getTypeName(), lit);
  }

  /** A numeric literal: an integer when written without point or exponent and in range, else a real. */
  static Value number(String text) {
    if (text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0) {
      try {
        return Value.of(Long.parseLong(text));
      } catch (NumberFormatException tooLarge) {
        return Value.of(new BigDecimal(text).doubleValue());
      }
    }
    return Value.of(Double.parseDouble(text));
  }
}
