package io.walflow.dataflow.eval;

import io.walflow.dataflow.plan.Affinity;
import io.walflow.ingest.change.BlobValue;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.RealValue;
import io.walflow.ingest.change.TextValue;
import io.walflow.ingest.change.Value;
import java.nio.charset.StandardCharsets;

/**
 * SQLite's value semantics: ordering, affinity, CAST, truth, and the conversions between storage
 * classes (https://sqlite.org/datatype3.html). Every method is exact for the SQLite version the
 * tests run against (they compare with {@code SELECT <expr>} in SQLite itself).
 *
 * <p>Blobs used as text are decoded as UTF-8 (SQLite reinterprets the bytes; bytes that are not
 * UTF-8 become U+FFFD here).
 */
public final class SqliteValues {

  /** Integer 1, SQLite's true. */
  public static final Value TRUE = Value.of(1L);
  /** Integer 0, SQLite's false. */
  public static final Value FALSE = Value.of(0L);
  /** NULL. */
  public static final Value NULL = Value.ofNull();

  private SqliteValues() {}

  // ---------------------------------------------------------------- ordering

  /**
   * SQLite's ORDER BY / MIN / MAX comparison ({@code sqlite3MemCompare} with BINARY collation):
   * NULL, then numbers (integers and reals by exact value), then text (by UTF-8 bytes, that is by
   * code point), then blobs (memcmp, then length).
   */
  public static int compare(Value a, Value b) {
    int ca = classRank(a);
    int cb = classRank(b);
    if (ca != cb) {
      return Integer.compare(ca, cb);
    }
    switch (ca) {
      case 0:
        return 0;
      case 1:
        return compareNumbers(a, b);
      case 2:
        return compareText(((TextValue) a).value(), ((TextValue) b).value());
      default:
        return compareBlobs((BlobValue) a, (BlobValue) b);
    }
  }

  private static int classRank(Value v) {
    if (v instanceof NullValue) {
      return 0;
    }
    if (v instanceof IntegerValue || v instanceof RealValue) {
      return 1;
    }
    return v instanceof TextValue ? 2 : 3;
  }

  private static int compareNumbers(Value a, Value b) {
    if (a instanceof IntegerValue ia) {
      if (b instanceof IntegerValue ib) {
        return Long.compare(ia.value(), ib.value());
      }
      return intRealCompare(ia.value(), ((RealValue) b).value());
    }
    double ra = ((RealValue) a).value();
    if (b instanceof IntegerValue ib) {
      return -intRealCompare(ib.value(), ra);
    }
    double rb = ((RealValue) b).value();
    return ra < rb ? -1 : (ra > rb ? 1 : 0);
  }

  /** SQLite's {@code sqlite3IntFloatCompare}: exact comparison of an integer and a real. */
  static int intRealCompare(long i, double r) {
    if (Double.isNaN(r)) {
      return 1;
    }
    if (r < -9.223372036854775808E18) {
      return 1;
    }
    if (r >= 9.223372036854775808E18) {
      return -1;
    }
    long y = (long) r;
    if (i < y) {
      return -1;
    }
    if (i > y) {
      return 1;
    }
    double s = (double) i;
    return s < r ? -1 : (s > r ? 1 : 0);
  }

  /** BINARY collation: memcmp of UTF-8, which is code point order. */
  public static int compareText(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char x = a.charAt(i);
      char y = b.charAt(i);
      if (x != y) {
        boolean sx = Character.isSurrogate(x);
        boolean sy = Character.isSurrogate(y);
        if (sx != sy) {
          // A surrogate (code point >= U+10000) sorts after every BMP character.
          return sx ? 1 : -1;
        }
        return Character.compare(x, y);
      }
    }
    return Integer.compare(a.length(), b.length());
  }

  private static int compareBlobs(BlobValue a, BlobValue b) {
    return java.util.Arrays.compareUnsigned(a.value(), b.value());
  }

  // ---------------------------------------------------------------- conversions

  /** The text of a value as SQLite's {@code sqlite3_value_text} gives it; null for NULL. */
  public static String toText(Value v) {
    if (v instanceof TextValue t) {
      return t.value();
    }
    if (v instanceof IntegerValue i) {
      return Long.toString(i.value());
    }
    if (v instanceof RealValue r) {
      return NumericText.realToText(r.value());
    }
    if (v instanceof BlobValue b) {
      return new String(b.value(), StandardCharsets.UTF_8);
    }
    return null;
  }

  /** The real value as {@code sqlite3_value_double} gives it (text and blobs by their numeric prefix; NULL 0.0). */
  public static double toReal(Value v) {
    if (v instanceof IntegerValue i) {
      return (double) i.value();
    }
    if (v instanceof RealValue r) {
      return r.value();
    }
    if (v instanceof NullValue) {
      return 0.0;
    }
    return NumericText.parseReal(toText(v)).value();
  }

  /** The integer value as {@code sqlite3_value_int64} gives it (reals truncated and saturated; text by prefix). */
  public static long toInteger(Value v) {
    if (v instanceof IntegerValue i) {
      return i.value();
    }
    if (v instanceof RealValue r) {
      return NumericText.realToInteger(r.value());
    }
    if (v instanceof NullValue) {
      return 0;
    }
    return NumericText.parseInteger(toText(v)).value();
  }

  /**
   * The number arithmetic uses for an operand ({@code numericType} in SQLite's VDBE): integers and
   * reals as they are; text and blobs as an integer when their numeric prefix has no decimal point or
   * exponent and fits in int64, else as a real. NULL stays NULL.
   */
  public static Value toNumber(Value v) {
    if (v instanceof IntegerValue || v instanceof RealValue || v instanceof NullValue) {
      return v;
    }
    String s = toText(v);
    NumericText.RealParse p = NumericText.parseReal(s);
    if (!p.fractional()) {
      NumericText.IntParse ip = NumericText.parseInteger(s);
      if (ip.code() <= 1) {
        return Value.of(ip.value());
      }
    }
    return Value.of(p.value());
  }

  /**
   * SQLite's truth value (used by WHERE, AND, OR, NOT, CASE WHEN): false for NULL; otherwise whether
   * the numeric value is non-zero (text and blobs by their numeric prefix).
   */
  public static boolean isTrue(Value v) {
    if (v instanceof IntegerValue i) {
      return i.value() != 0;
    }
    if (v instanceof NullValue) {
      return false;
    }
    return toReal(v) != 0.0;
  }

  /** SQLite's integer for a boolean. */
  public static Value bool(boolean b) {
    return b ? TRUE : FALSE;
  }

  // ---------------------------------------------------------------- affinity

  /**
   * Applies a column affinity as SQLite does when it stores a value and reads it back: TEXT renders
   * numbers as text; NUMERIC and INTEGER turn text that is a well-formed number into an integer (or
   * a real when it is not integral or too large) and integral reals into integers; REAL turns
   * numbers and numeric text into reals; BLOB and NONE change nothing. NULL and blobs never change
   * (but under TEXT, blobs stay blobs).
   */
  public static Value applyAffinity(Value v, Affinity affinity) {
    switch (affinity) {
      case TEXT:
        if (v instanceof IntegerValue || v instanceof RealValue) {
          return Value.of(toText(v));
        }
        return v;
      case NUMERIC:
      case INTEGER:
        return numericAffinity(v, true);
      case REAL: {
        Value n = numericAffinity(v, false);
        if (n instanceof IntegerValue i) {
          return Value.of((double) i.value());
        }
        return n;
      }
      default:
        return v;
    }
  }

  /**
   * SQLite's {@code applyNumericAffinity}: text that is entirely a number becomes that number (an
   * integer when it is written as one and fits); with {@code tryForInt}, an integral real becomes an
   * integer too. Other values are returned as they are, except that with {@code tryForInt} integral
   * reals become integers.
   */
  static Value numericAffinity(Value v, boolean tryForInt) {
    if (v instanceof RealValue r) {
      if (tryForInt && NumericText.isStorableAsInteger(r.value())) {
        return Value.of((long) r.value());
      }
      return v;
    }
    if (!(v instanceof TextValue t)) {
      return v;
    }
    String s = t.value();
    NumericText.RealParse p = NumericText.parseReal(s);
    if (!p.complete()) {
      return v;
    }
    if (!p.fractional()) {
      NumericText.IntParse ip = NumericText.parseInteger(s);
      if (ip.code() == 0) {
        return Value.of(ip.value());
      }
    }
    double r = p.value();
    if (tryForInt && NumericText.isStorableAsInteger(r)) {
      return Value.of((long) r);
    }
    return Value.of(r);
  }

  /**
   * The affinity SQLite applies to both operands of a comparison (section 4.2): when both operands
   * have an affinity, NUMERIC if either is numeric, else BLOB (none); when only one has, that one;
   * else NONE.
   */
  public static Affinity comparisonAffinity(Affinity left, Affinity right) {
    if (left != Affinity.NONE && right != Affinity.NONE) {
      return left.isNumeric() || right.isNumeric() ? Affinity.NUMERIC : Affinity.BLOB;
    }
    return left == Affinity.NONE ? right : left;
  }

  /**
   * Prepares an operand for a comparison under {@code affinity} (the VDBE's comparison opcodes):
   * numeric affinity converts text that is a number; TEXT converts numbers to text.
   */
  public static Value forComparison(Value v, Affinity affinity) {
    if (affinity.isNumeric()) {
      return v instanceof TextValue ? numericAffinity(v, false) : v;
    }
    if (affinity == Affinity.TEXT && (v instanceof IntegerValue || v instanceof RealValue)) {
      return Value.of(toText(v));
    }
    return v;
  }

  // ---------------------------------------------------------------- CAST

  /** {@code CAST(v AS type)} for a type of the given affinity, as SQLite converts. */
  public static Value cast(Value v, Affinity affinity) {
    if (v instanceof NullValue) {
      return v;
    }
    switch (affinity) {
      case TEXT:
        return v instanceof TextValue ? v : Value.of(toText(v));
      case BLOB:
      case NONE:
        if (v instanceof BlobValue) {
          return v;
        }
        return Value.of(toText(v).getBytes(StandardCharsets.UTF_8));
      case INTEGER:
        return v instanceof IntegerValue ? v : Value.of(toInteger(v));
      case REAL:
        return v instanceof RealValue ? v : Value.of(toReal(v));
      case NUMERIC:
      default:
        return numerify(v);
    }
  }

  /** SQLite's {@code sqlite3VdbeMemNumerify} (CAST AS NUMERIC). */
  private static Value numerify(Value v) {
    if (v instanceof IntegerValue || v instanceof RealValue) {
      return v;
    }
    String s = toText(v);
    NumericText.RealParse p = NumericText.parseReal(s);
    if (!p.fractional()) {
      NumericText.IntParse ip = NumericText.parseInteger(s);
      if (ip.code() <= 1) {
        return Value.of(ip.value());
      }
    }
    long ix = NumericText.realToInteger(p.value());
    if (NumericText.realSameAsInt(p.value(), ix)) {
      return Value.of(ix);
    }
    return Value.of(p.value());
  }

  /** {@code typeof(v)}. */
  public static String typeOf(Value v) {
    return v.storageClass();
  }
}
