package io.walflow.dataflow.eval;

import io.walflow.dataflow.plan.Affinity;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.RealValue;
import io.walflow.ingest.change.Value;
import java.util.List;

/**
 * SQLite's operators: arithmetic ({@code + - * / %}, unary minus), {@code ||}, comparisons under an
 * affinity, IN, and three-valued AND/OR/NOT.
 *
 * <p>Arithmetic follows the VDBE: NULL if either operand is NULL; integer arithmetic when both
 * operands are (or convert to) integers, switching to real on overflow of {@code + - *} and for
 * {@code MIN / -1}; integer division truncates; division or remainder by zero is NULL; a real
 * result that is NaN is NULL; {@code %} with a real operand is the remainder of the operands'
 * integer values, as a real.
 */
public final class SqliteOperators {

  private SqliteOperators() {}

  private enum Arith { ADD, SUB, MUL, DIV, MOD }

  public static Value add(Value a, Value b) {
    return arith(Arith.ADD, a, b);
  }

  public static Value subtract(Value a, Value b) {
    return arith(Arith.SUB, a, b);
  }

  public static Value multiply(Value a, Value b) {
    return arith(Arith.MUL, a, b);
  }

  public static Value divide(Value a, Value b) {
    return arith(Arith.DIV, a, b);
  }

  public static Value remainder(Value a, Value b) {
    return arith(Arith.MOD, a, b);
  }

  /** Unary minus: SQLite computes {@code 0 - a}. */
  public static Value negate(Value a) {
    return arith(Arith.SUB, SqliteValues.FALSE, a);
  }

  private static Value arith(Arith op, Value a, Value b) {
    if (a instanceof NullValue || b instanceof NullValue) {
      return SqliteValues.NULL;
    }
    Value na = SqliteValues.toNumber(a);
    Value nb = SqliteValues.toNumber(b);
    if (na instanceof IntegerValue ia && nb instanceof IntegerValue ib) {
      long x = ia.value();
      long y = ib.value();
      try {
        switch (op) {
          case ADD:
            return Value.of(Math.addExact(x, y));
          case SUB:
            return Value.of(Math.subtractExact(x, y));
          case MUL:
            return Value.of(Math.multiplyExact(x, y));
          case DIV:
            if (y == 0) {
              return SqliteValues.NULL;
            }
            if (y == -1 && x == Long.MIN_VALUE) {
              break;
            }
            return Value.of(x / y);
          default:
            if (y == 0) {
              return SqliteValues.NULL;
            }
            return Value.of(y == -1 ? 0 : x % y);
        }
      } catch (ArithmeticException overflow) {
        // fall through to real arithmetic, as SQLite does
      }
    }
    double x = realOf(a, na);
    double y = realOf(b, nb);
    double r;
    switch (op) {
      case ADD:
        r = x + y;
        break;
      case SUB:
        r = x - y;
        break;
      case MUL:
        r = x * y;
        break;
      case DIV:
        if (y == 0.0) {
          return SqliteValues.NULL;
        }
        r = x / y;
        break;
      default: {
        long ix = SqliteValues.toInteger(a);
        long iy = SqliteValues.toInteger(b);
        if (iy == 0) {
          return SqliteValues.NULL;
        }
        if (iy == -1) {
          iy = 1;
        }
        r = (double) (ix % iy);
      }
    }
    if (Double.isNaN(r)) {
      return SqliteValues.NULL;
    }
    return Value.of(r);
  }

  private static double realOf(Value original, Value number) {
    if (number instanceof RealValue r) {
      return r.value();
    }
    if (original instanceof IntegerValue i) {
      return (double) i.value();
    }
    // Text: SQLite re-reads the text as a real (sqlite3VdbeRealValue), not the integer it found.
    return SqliteValues.toReal(original);
  }

  /** {@code a || b}: NULL if either is NULL, else the two texts joined. */
  public static Value concat(Value a, Value b) {
    if (a instanceof NullValue || b instanceof NullValue) {
      return SqliteValues.NULL;
    }
    return Value.of(SqliteValues.toText(a) + SqliteValues.toText(b));
  }

  // ---------------------------------------------------------------- comparisons

  /** The comparison operators. */
  public enum Comparison { EQ, NE, LT, LE, GT, GE, IS, IS_NOT }

  /**
   * Compares {@code a} and {@code b} after preparing both for {@code affinity} (see {@link
   * SqliteValues#comparisonAffinity}): integer 1 or 0, or NULL when an operand is NULL (never for IS
   * and IS NOT).
   */
  public static Value compare(Comparison op, Value a, Value b, Affinity affinity) {
    boolean an = a instanceof NullValue;
    boolean bn = b instanceof NullValue;
    if (an || bn) {
      if (op == Comparison.IS) {
        return SqliteValues.bool(an && bn);
      }
      if (op == Comparison.IS_NOT) {
        return SqliteValues.bool(an != bn);
      }
      return SqliteValues.NULL;
    }
    int c = SqliteValues.compare(SqliteValues.forComparison(a, affinity), SqliteValues.forComparison(b, affinity));
    switch (op) {
      case EQ:
      case IS:
        return SqliteValues.bool(c == 0);
      case NE:
      case IS_NOT:
        return SqliteValues.bool(c != 0);
      case LT:
        return SqliteValues.bool(c < 0);
      case LE:
        return SqliteValues.bool(c <= 0);
      case GT:
        return SqliteValues.bool(c > 0);
      default:
        return SqliteValues.bool(c >= 0);
    }
  }

  /**
   * {@code needle IN (list)}: 1 when an element equals the needle, else NULL when the needle or an
   * element is NULL, else 0. Each comparison applies {@code affinity}, which for an IN list is the
   * needle's own affinity (SQLite ignores the elements' affinities).
   */
  public static Value in(Value needle, List<Value> list, Affinity affinity) {
    if (list.isEmpty()) {
      return SqliteValues.FALSE;
    }
    if (needle instanceof NullValue) {
      return SqliteValues.NULL;
    }
    Value n = SqliteValues.forComparison(needle, affinity);
    boolean sawNull = false;
    for (Value e : list) {
      if (e instanceof NullValue) {
        sawNull = true;
      } else if (SqliteValues.compare(n, SqliteValues.forComparison(e, affinity)) == 0) {
        return SqliteValues.TRUE;
      }
    }
    return sawNull ? SqliteValues.NULL : SqliteValues.FALSE;
  }

  // ---------------------------------------------------------------- logic

  /** Three-valued NOT: NULL stays NULL. */
  public static Value not(Value a) {
    if (a instanceof NullValue) {
      return SqliteValues.NULL;
    }
    return SqliteValues.bool(!SqliteValues.isTrue(a));
  }

  /** Three-valued AND: 0 if either is false, else NULL if either is NULL, else 1. */
  public static Value and(Value a, Value b) {
    boolean an = a instanceof NullValue;
    boolean bn = b instanceof NullValue;
    if ((!an && !SqliteValues.isTrue(a)) || (!bn && !SqliteValues.isTrue(b))) {
      return SqliteValues.FALSE;
    }
    return an || bn ? SqliteValues.NULL : SqliteValues.TRUE;
  }

  /** Three-valued OR: 1 if either is true, else NULL if either is NULL, else 0. */
  public static Value or(Value a, Value b) {
    if (SqliteValues.isTrue(a) || SqliteValues.isTrue(b)) {
      return SqliteValues.TRUE;
    }
    return a instanceof NullValue || b instanceof NullValue ? SqliteValues.NULL : SqliteValues.FALSE;
  }
}
