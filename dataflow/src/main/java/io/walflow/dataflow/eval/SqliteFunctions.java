package io.walflow.dataflow.eval;

import io.walflow.ingest.change.BlobValue;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.Value;
import java.util.Arrays;
import java.util.List;

/**
 * SQLite's built-in scalar functions that views may use, and LIKE, with SQLite's conversions of
 * their arguments (numbers as their text, blobs as their bytes).
 */
public final class SqliteFunctions {

  /** Beyond 2^52 a double has no fractional part: round() returns it unchanged. */
  private static final double NO_FRACTION = 4503599627370496.0;

  private SqliteFunctions() {}

  /**
   * {@code value LIKE pattern} (SQLite's {@code like(pattern, value)} without ESCAPE): NULL if either
   * is NULL; {@code %} matches any sequence, {@code _} one character; ASCII letters match either
   * case, other characters only themselves.
   */
  public static Value like(Value value, Value pattern) {
    if (value instanceof NullValue || pattern instanceof NullValue) {
      return SqliteValues.NULL;
    }
    int[] s = SqliteValues.toText(value).codePoints().toArray();
    int[] p = SqliteValues.toText(pattern).codePoints().toArray();
    return SqliteValues.bool(likeMatch(p, s));
  }

  private static int fold(int c) {
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
  }

  /** Glob-style matching with backtracking to the last {@code %}: linear in practice. */
  static boolean likeMatch(int[] p, int[] s) {
    int pi = 0;
    int si = 0;
    int starP = -1;
    int starS = -1;
    while (si < s.length) {
      if (pi < p.length && p[pi] == '%') {
        starP = pi++;
        starS = si;
      } else if (pi < p.length && (p[pi] == '_' || fold(p[pi]) == fold(s[si]))) {
        pi++;
        si++;
      } else if (starP >= 0) {
        pi = starP + 1;
        si = ++starS;
      } else {
        return false;
      }
    }
    while (pi < p.length && p[pi] == '%') {
      pi++;
    }
    return pi == p.length;
  }

  /** {@code abs(x)}: integers stay integers (overflow for the smallest is an error, as in SQLite); other values become reals. */
  public static Value abs(Value v) {
    if (v instanceof NullValue) {
      return v;
    }
    if (v instanceof IntegerValue i) {
      if (i.value() == Long.MIN_VALUE) {
        throw new SqliteEvalException("integer overflow in abs(" + i.value() + ")");
      }
      return Value.of(Math.abs(i.value()));
    }
    double r = SqliteValues.toReal(v);
    return Value.of(r < 0 ? -r : r);
  }

  /** {@code lower(x)}: ASCII letters only (SQLite without ICU). */
  public static Value lower(Value v) {
    if (v instanceof NullValue) {
      return v;
    }
    String s = SqliteValues.toText(v);
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      sb.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
    }
    return Value.of(sb.toString());
  }

  /** {@code upper(x)}: ASCII letters only. */
  public static Value upper(Value v) {
    if (v instanceof NullValue) {
      return v;
    }
    String s = SqliteValues.toText(v);
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      sb.append(c >= 'a' && c <= 'z' ? (char) (c - 32) : c);
    }
    return Value.of(sb.toString());
  }

  /** {@code length(x)}: bytes of a blob; characters (before the first NUL) of anything else as text. */
  public static Value length(Value v) {
    if (v instanceof NullValue) {
      return v;
    }
    if (v instanceof BlobValue b) {
      return Value.of((long) b.length());
    }
    String s = SqliteValues.toText(v);
    int nul = s.indexOf('\0');
    if (nul >= 0) {
      s = s.substring(0, nul);
    }
    return Value.of((long) s.codePointCount(0, s.length()));
  }

  /** {@code substr(x, start[, length])} with SQLite's rules for zero, negative and out-of-range positions. */
  public static Value substr(Value x, Value start, Value length) {
    if (start instanceof NullValue || (length != null && length instanceof NullValue) || x instanceof NullValue) {
      return SqliteValues.NULL;
    }
    long p1 = SqliteValues.toInteger(start);
    boolean blob = x instanceof BlobValue;
    byte[] bytes = null;
    int[] chars = null;
    long len;
    if (blob) {
      bytes = ((BlobValue) x).value();
      len = bytes.length;
      if (len == 0) {
        // sqlite3_value_blob() of an empty blob is a null pointer, and substr() returns NULL for it.
        return SqliteValues.NULL;
      }
    } else {
      String s = SqliteValues.toText(x);
      int nul = s.indexOf('\0');
      if (nul >= 0) {
        s = s.substring(0, nul);
      }
      chars = s.codePoints().toArray();
      len = chars.length;
    }
    long p2 = length != null ? SqliteValues.toInteger(length) : Long.MAX_VALUE;
    if (p1 < 0) {
      p1 += len;
      if (p1 < 0) {
        p2 = p2 < 0 ? 0 : p2 + p1;
        p1 = 0;
      }
    } else if (p1 > 0) {
      p1--;
    } else if (p2 > 0) {
      p2--;
    }
    if (p2 < 0) {
      p2 = p2 < -p1 ? p1 : -p2;
      p1 -= p2;
    }
    if (blob) {
      if (p1 >= len) {
        return Value.of(new byte[0]);
      }
      long n = Math.min(p2, len - p1);
      return Value.of(Arrays.copyOfRange(bytes, (int) p1, (int) (p1 + n)));
    }
    int from = (int) Math.min(p1, len);
    int to = from + (int) Math.min(len - from, Math.max(0, p2));
    return Value.of(new String(chars, from, to - from));
  }

  /** {@code round(x[, digits])}: always a real; digits clamped to 0..30. */
  public static Value round(Value x, Value digits) {
    long n = 0;
    if (digits != null) {
      if (digits instanceof NullValue) {
        return SqliteValues.NULL;
      }
      n = Math.max(0, Math.min(30, SqliteValues.toInteger(digits)));
    }
    if (x instanceof NullValue) {
      return x;
    }
    double r = SqliteValues.toReal(x);
    if (r < -NO_FRACTION || r > NO_FRACTION) {
      return Value.of(r);
    }
    if (n == 0) {
      return Value.of((double) (long) (r + (r < 0 ? -0.5 : 0.5)));
    }
    return Value.of(NumericText.roundToDigits(r, (int) n));
  }

  /** {@code typeof(x)}. */
  public static Value typeOf(Value x) {
    return Value.of(x.storageClass());
  }

  /** {@code coalesce(a, b, …)} and {@code ifnull(a, b)}: the first argument that is not NULL. */
  public static Value coalesce(List<Value> args) {
    for (Value v : args) {
      if (!(v instanceof NullValue)) {
        return v;
      }
    }
    return SqliteValues.NULL;
  }

  /** {@code nullif(a, b)}: NULL when a equals b (compared without affinity), else a. */
  public static Value nullIf(Value a, Value b) {
    if (!(a instanceof NullValue) && !(b instanceof NullValue) && SqliteValues.compare(a, b) == 0) {
      return SqliteValues.NULL;
    }
    return a;
  }
}
