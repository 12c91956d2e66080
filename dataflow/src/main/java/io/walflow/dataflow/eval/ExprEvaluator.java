package io.walflow.dataflow.eval;

import io.walflow.dataflow.eval.SqliteOperators.Comparison;
import io.walflow.dataflow.plan.Affinity;
import io.walflow.dataflow.plan.Expr;
import io.walflow.dataflow.plan.Fn;
import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.Value;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Compiles plan expressions ({@link Expr}) once into trees of small closures ({@link RowFunction},
 * {@link RowPredicate}) that evaluate them with SQLite's semantics: no interpretation of the
 * expression per row beyond calling the closures.
 *
 * <p>Comparison affinities are resolved at compile time from the operands' {@link
 * Expr#affinity()}, as SQLite resolves them when it prepares a statement.
 */
public final class ExprEvaluator {

  private ExprEvaluator() {}

  /**
   * Compiles {@code expr}.
   *
   * @throws IllegalArgumentException when a call has the wrong number of arguments for its function
   */
  public static RowFunction compile(Expr expr) {
    if (expr instanceof Expr.Column c) {
      int i = c.index();
      return (row, params) -> row[i];
    }
    if (expr instanceof Expr.Literal l) {
      Value v = l.value();
      return (row, params) -> v;
    }
    if (expr instanceof Expr.Param p) {
      int i = p.index();
      return (row, params) -> params[i];
    }
    if (expr instanceof Expr.Cast c) {
      RowFunction arg = compile(c.arg());
      Affinity target = c.affinity();
      return (row, params) -> SqliteValues.cast(arg.apply(row, params), target);
    }
    if (expr instanceof Expr.Case c) {
      return compileCase(c);
    }
    return compileCall((Expr.Call) expr);
  }

  /** Compiles {@code expr} as a condition: true only when its value is true by SQLite's rules. */
  public static RowPredicate compilePredicate(Expr expr) {
    // As a condition SQLite jumps: AND stops at the first operand that is not true, OR at the first
    // that is, left to right, so later operands are not evaluated (nor raise errors).
    if (expr instanceof Expr.Call call && (call.fn() == Fn.AND || call.fn() == Fn.OR)) {
      RowPredicate[] ps = new RowPredicate[call.args().size()];
      for (int i = 0; i < ps.length; i++) {
        ps[i] = compilePredicate(call.args().get(i));
      }
      boolean and = call.fn() == Fn.AND;
      return (row, params) -> {
        for (RowPredicate p : ps) {
          if (p.test(row, params) != and) {
            return !and;
          }
        }
        return and;
      };
    }
    RowFunction f = compile(expr);
    return (row, params) -> SqliteValues.isTrue(f.apply(row, params));
  }

  /** Compiles each expression; the result fills a new row per call. */
  public static RowFunction[] compileAll(List<Expr> exprs) {
    RowFunction[] out = new RowFunction[exprs.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = compile(exprs.get(i));
    }
    return out;
  }

  private static RowFunction compileCase(Expr.Case c) {
    int n = c.whens().size();
    RowFunction[] whens = compileAll(c.whens());
    RowFunction[] thens = compileAll(c.thens());
    RowFunction otherwise = c.otherwise().map(ExprEvaluator::compile).orElse((row, params) -> SqliteValues.NULL);
    if (c.operand().isPresent()) {
      Expr operandExpr = c.operand().get();
      RowFunction operand = compile(operandExpr);
      Affinity[] affs = new Affinity[n];
      for (int i = 0; i < n; i++) {
        affs[i] = SqliteValues.comparisonAffinity(operandExpr.affinity(), c.whens().get(i).affinity());
      }
      return (row, params) -> {
        Value x = operand.apply(row, params);
        for (int i = 0; i < n; i++) {
          Value w = whens[i].apply(row, params);
          if (SqliteValues.isTrue(SqliteOperators.compare(Comparison.EQ, x, w, affs[i]))) {
            return thens[i].apply(row, params);
          }
        }
        return otherwise.apply(row, params);
      };
    }
    return (row, params) -> {
      for (int i = 0; i < n; i++) {
        if (SqliteValues.isTrue(whens[i].apply(row, params))) {
          return thens[i].apply(row, params);
        }
      }
      return otherwise.apply(row, params);
    };
  }

  private static void arity(Expr.Call call, int min, int max) {
    int n = call.args().size();
    if (n < min || n > max) {
      throw new IllegalArgumentException(call.fn() + " takes " + (min == max ? min : min + " to " + max)
          + " arguments, got " + n);
    }
  }

  private static RowFunction compileCall(Expr.Call call) {
    List<Expr> args = call.args();
    Fn fn = call.fn();
    switch (fn) {
      case EQ:
      case NE:
      case LT:
      case LE:
      case GT:
      case GE:
      case IS:
      case IS_NOT: {
        arity(call, 2, 2);
        Comparison op = Comparison.valueOf(fn.name());
        Affinity aff = SqliteValues.comparisonAffinity(args.get(0).affinity(), args.get(1).affinity());
        RowFunction a = compile(args.get(0));
        RowFunction b = compile(args.get(1));
        return (row, params) -> SqliteOperators.compare(op, a.apply(row, params), b.apply(row, params), aff);
      }
      case AND: {
        // In a value context SQLite (3.38+) evaluates every operand that holds no subquery, so an
        // error on the right (abs of the smallest integer) is raised even when the left is false.
        arity(call, 2, Integer.MAX_VALUE);
        RowFunction[] fs = compileAll(args);
        return (row, params) -> {
          Value acc = fs[0].apply(row, params);
          for (int i = 1; i < fs.length; i++) {
            acc = SqliteOperators.and(acc, fs[i].apply(row, params));
          }
          return SqliteOperators.and(acc, SqliteValues.TRUE);
        };
      }
      case OR: {
        arity(call, 2, Integer.MAX_VALUE);
        RowFunction[] fs = compileAll(args);
        return (row, params) -> {
          Value acc = fs[0].apply(row, params);
          for (int i = 1; i < fs.length; i++) {
            acc = SqliteOperators.or(acc, fs[i].apply(row, params));
          }
          return SqliteOperators.or(acc, SqliteValues.FALSE);
        };
      }
      case NOT: {
        arity(call, 1, 1);
        RowFunction a = compile(args.get(0));
        return (row, params) -> SqliteOperators.not(a.apply(row, params));
      }
      case IS_NULL: {
        arity(call, 1, 1);
        RowFunction a = compile(args.get(0));
        return (row, params) -> SqliteValues.bool(a.apply(row, params) instanceof NullValue);
      }
      case IS_NOT_NULL: {
        arity(call, 1, 1);
        RowFunction a = compile(args.get(0));
        return (row, params) -> SqliteValues.bool(!(a.apply(row, params) instanceof NullValue));
      }
      case PLUS:
        return binary(call, SqliteOperators::add);
      case MINUS:
        return binary(call, SqliteOperators::subtract);
      case TIMES:
        return binary(call, SqliteOperators::multiply);
      case DIVIDE:
        return binary(call, SqliteOperators::divide);
      case MOD:
        return binary(call, SqliteOperators::remainder);
      case CONCAT:
        return binary(call, SqliteOperators::concat);
      case LIKE:
        return binary(call, SqliteFunctions::like);
      case NULLIF:
        return binary(call, SqliteFunctions::nullIf);
      case NEGATE:
        return unary(call, SqliteOperators::negate);
      case ABS:
        return unary(call, SqliteFunctions::abs);
      case LOWER:
        return unary(call, SqliteFunctions::lower);
      case UPPER:
        return unary(call, SqliteFunctions::upper);
      case LENGTH:
        return unary(call, SqliteFunctions::length);
      case TYPEOF:
        return unary(call, SqliteFunctions::typeOf);
      case IN:
      case NOT_IN: {
        arity(call, 2, Integer.MAX_VALUE);
        RowFunction needle = compile(args.get(0));
        RowFunction[] list = compileAll(args.subList(1, args.size()));
        Affinity aff = args.get(0).affinity();
        boolean negated = fn == Fn.NOT_IN;
        return (row, params) -> {
          List<Value> values = new ArrayList<>(list.length);
          for (RowFunction f : list) {
            values.add(f.apply(row, params));
          }
          Value r = SqliteOperators.in(needle.apply(row, params), values, aff);
          return negated ? SqliteOperators.not(r) : r;
        };
      }
      case COALESCE:
      case IFNULL: {
        if (fn == Fn.IFNULL) {
          arity(call, 2, 2);
        } else {
          arity(call, 2, Integer.MAX_VALUE);
        }
        RowFunction[] fs = compileAll(args);
        return (row, params) -> {
          for (RowFunction f : fs) {
            Value v = f.apply(row, params);
            if (!(v instanceof NullValue)) {
              return v;
            }
          }
          return SqliteValues.NULL;
        };
      }
      case SUBSTR: {
        arity(call, 2, 3);
        RowFunction x = compile(args.get(0));
        RowFunction start = compile(args.get(1));
        Optional<RowFunction> len = args.size() == 3 ? Optional.of(compile(args.get(2))) : Optional.empty();
        return (row, params) -> SqliteFunctions.substr(x.apply(row, params), start.apply(row, params),
            len.isPresent() ? len.get().apply(row, params) : null);
      }
      case ROUND: {
        arity(call, 1, 2);
        RowFunction x = compile(args.get(0));
        Optional<RowFunction> digits = args.size() == 2 ? Optional.of(compile(args.get(1))) : Optional.empty();
        return (row, params) -> SqliteFunctions.round(x.apply(row, params),
            digits.isPresent() ? digits.get().apply(row, params) : null);
      }
      default:
        throw new IllegalStateException("no evaluator for " + fn);
    }
  }

  private interface Binary {
    Value apply(Value a, Value b);
  }

  private interface Unary {
    Value apply(Value a);
  }

  private static RowFunction binary(Expr.Call call, Binary op) {
    arity(call, 2, 2);
    RowFunction a = compile(call.args().get(0));
    RowFunction b = compile(call.args().get(1));
    return (row, params) -> op.apply(a.apply(row, params), b.apply(row, params));
  }

  private static RowFunction unary(Expr.Call call, Unary op) {
    arity(call, 1, 1);
    RowFunction a = compile(call.args().get(0));
    return (row, params) -> op.apply(a.apply(row, params));
  }
}
