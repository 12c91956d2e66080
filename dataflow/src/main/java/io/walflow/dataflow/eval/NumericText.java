package io.walflow.dataflow.eval;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * SQLite's conversions between numbers and text: parsing text as a real ({@code sqlite3AtoF}) or
 * as an integer ({@code sqlite3Atoi64}), and rendering a real as text (the {@code "%!.17g"} format
 * with SQLite's shortening of digit strings that round-trip, so 0.1 reads "0.1" and 1e20
 * "1.0e+20").
 *
 * <p>Text is parsed as Java strings; SQLite parses UTF-8 bytes, which gives the same result because
 * every character that matters (digits, sign, point, exponent, ASCII spaces) is ASCII.
 */
public final class NumericText {

  /** Digits SQLite extracts before rounding a real for text ({@code sqlite3FpDecode}). */
  private static final int DECODE_DIGITS = 18;
  /** The precision of SQLite's real-to-text format, {@code "%!.17g"}. */
  private static final int TEXT_PRECISION = 17;
  /** Significant digits {@code "%.Nf"} keeps without the {@code !} flag (used by round()). */
  private static final int FIXED_MAX_DIGITS = 16;
  private static final MathContext DECODE = new MathContext(DECODE_DIGITS, RoundingMode.HALF_EVEN);

  private NumericText() {}

  /**
   * The result of parsing text as a real, like {@code sqlite3AtoF}.
   *
   * @param value the value of the longest numeric prefix (0.0 when there is none)
   * @param sawDigits whether a number was found at all
   * @param fractional whether that number has a decimal point or an exponent
   * @param complete whether the whole text (but surrounding spaces) is that number
   */
  public record RealParse(double value, boolean sawDigits, boolean fractional, boolean complete) {}

  /**
   * The result of parsing text as an integer, like {@code sqlite3Atoi64}.
   *
   * @param value the prefix's value, saturated to the int64 range
   * @param code SQLite's code: -1 no digits, 0 exact, 1 text after the integer, 2 too large, 3
   *     exactly 9223372036854775808
   */
  public record IntParse(long value, int code) {}

  /** True for the characters {@code sqlite3Isspace} accepts. */
  static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == 0x0b || c == '\f' || c == '\r';
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** Parses {@code s} as SQLite's {@code sqlite3AtoF} does. */
  public static RealParse parseReal(String s) {
    int n = s.length();
    int i = 0;
    while (i < n && isSpace(s.charAt(i))) {
      i++;
    }
    int start = i;
    if (i < n && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
      i++;
    }
    int intStart = i;
    while (i < n && isDigit(s.charAt(i))) {
      i++;
    }
    boolean digits = i > intStart;
    boolean fractional = false;
    if (i < n && s.charAt(i) == '.') {
      int fracStart = i + 1;
      int j = fracStart;
      while (j < n && isDigit(s.charAt(j))) {
        j++;
      }
      if (j > fracStart) {
        digits = true;
      } else if (!digits) {
        return new RealParse(0.0, false, false, false);
      }
      fractional = true;
      i = j;
    } else if (!digits) {
      return new RealParse(0.0, false, false, false);
    }
    int numberEnd = i;
    if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      int j = i + 1;
      if (j < n && (s.charAt(j) == '-' || s.charAt(j) == '+')) {
        j++;
      }
      int expStart = j;
      while (j < n && isDigit(s.charAt(j))) {
        j++;
      }
      if (j > expStart) {
        fractional = true;
        numberEnd = j;
        i = j;
      }
    }
    double value = toDouble(s.substring(start, numberEnd));
    int k = i;
    while (k < n && isSpace(s.charAt(k))) {
      k++;
    }
    return new RealParse(value, true, fractional, k == n);
  }

  private static double toDouble(String number) {
    String t = number;
    if (t.endsWith(".")) {
      t = t + "0";
    }
    int dot = t.indexOf('.');
    if (dot == 0 || (dot == 1 && (t.charAt(0) == '-' || t.charAt(0) == '+'))) {
      t = t.substring(0, dot) + "0" + t.substring(dot);
    }
    int e = Math.max(t.indexOf('e'), t.indexOf('E'));
    if (e > 0) {
      String mant = t.substring(0, e);
      if (mant.endsWith(".")) {
        t = mant + "0" + t.substring(e);
      }
      // Exponents beyond what a double can hold: let BigDecimal-free clamping decide the result.
      String exp = t.substring(e + 1);
      String digits = exp.replaceFirst("^[+-]", "").replaceFirst("^0+(?=.)", "");
      if (digits.length() > 6) {
        boolean negExp = exp.startsWith("-");
        String m = t.substring(0, e);
        boolean zero = Double.parseDouble(m) == 0.0;
        boolean neg = m.startsWith("-");
        if (zero || negExp) {
          return neg ? -0.0 : 0.0;
        }
        return neg ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
      }
    }
    return Double.parseDouble(t);
  }

  /** Parses {@code s} as SQLite's {@code sqlite3Atoi64} does (decimal only, no hex). */
  public static IntParse parseInteger(String s) {
    int n = s.length();
    int i = 0;
    while (i < n && isSpace(s.charAt(i))) {
      i++;
    }
    boolean neg = false;
    if (i < n && (s.charAt(i) == '-' || s.charAt(i) == '+')) {
      neg = s.charAt(i) == '-';
      i++;
    }
    int start = i;
    while (i < n && s.charAt(i) == '0') {
      i++;
    }
    int digitsStart = i;
    while (i < n && isDigit(s.charAt(i))) {
      i++;
    }
    int nd = i - digitsStart;
    int code = 0;
    if (i == start) {
      code = -1;
    } else {
      for (int k = i; k < n; k++) {
        if (!isSpace(s.charAt(k))) {
          code = 1;
          break;
        }
      }
    }
    if (nd < 19) {
      long v = nd == 0 ? 0 : Long.parseLong(s.substring(digitsStart, i));
      return new IntParse(neg ? -v : v, code);
    }
    int cmp = nd > 19 ? 1 : s.substring(digitsStart, i).compareTo("9223372036854775808");
    if (cmp < 0) {
      long v = Long.parseLong(s.substring(digitsStart, i));
      return new IntParse(neg ? -v : v, code);
    }
    long sat = neg ? Long.MIN_VALUE : Long.MAX_VALUE;
    if (cmp > 0) {
      return new IntParse(sat, 2);
    }
    return neg ? new IntParse(Long.MIN_VALUE, code) : new IntParse(Long.MAX_VALUE, 3);
  }

  /** SQLite's {@code doubleToInt64}: truncation toward zero, saturating at the int64 range. */
  public static long realToInteger(double r) {
    if (r <= -9.223372036854775808E18) {
      return Long.MIN_VALUE;
    }
    if (r >= 9.223372036854775807E18) {
      return Long.MAX_VALUE;
    }
    return (long) r;
  }

  /** SQLite's {@code sqlite3RealSameAsInt}: whether {@code r} is exactly the small integer {@code i}. */
  static boolean realSameAsInt(double r, long i) {
    double r2 = (double) i;
    return r == 0.0
        || (Double.doubleToRawLongBits(r) == Double.doubleToRawLongBits(r2)
            && i >= -2251799813685248L && i < 2251799813685248L);
  }

  /** The integer {@code r} is, when it is one strictly inside the int64 range (sqlite3VdbeIntegerAffinity). */
  static boolean isStorableAsInteger(double r) {
    long ix = realToInteger(r);
    return r == (double) ix && ix > Long.MIN_VALUE && ix < Long.MAX_VALUE;
  }

  /** The decimal digits of |r| and the position of the decimal point, as {@code sqlite3FpDecode} extracts them. */
  private record Digits(char[] z, int iDP) {}

  private static Digits decode(double r) {
    BigDecimal d = new BigDecimal(Math.abs(r)).round(DECODE);
    String u = d.unscaledValue().toString();
    int iDP = u.length() - d.scale();
    StringBuilder sb = new StringBuilder(u);
    while (sb.length() < DECODE_DIGITS) {
      sb.append('0');
    }
    char[] z = new char[DECODE_DIGITS + 1];
    // z[0] is a spare slot for a carry out of the first digit.
    z[0] = '0';
    sb.getChars(0, DECODE_DIGITS, z, 1);
    return new Digits(z, iDP);
  }

  private static long prefix(char[] z, int off, int len) {
    long v = 0;
    for (int k = 0; k < len; k++) {
      v = v * 10 + (z[off + k] - '0');
    }
    return v;
  }

  private static boolean roundTrips(double r, long mantissa, int exp10) {
    return r == Double.parseDouble(mantissa + "e" + exp10);
  }

  /** SQLite's text for a real ({@code CAST(r AS TEXT)}, {@code r || ''}). */
  public static String realToText(double r) {
    if (Double.isNaN(r)) {
      return "NaN";
    }
    if (Double.isInfinite(r)) {
      return r > 0 ? "Inf" : "-Inf";
    }
    if (r == 0.0) {
      return "0.0";
    }
    Digits dg = decode(r);
    char[] buf = dg.z();
    int off = 1;
    int n = DECODE_DIGITS;
    int iDP = dg.iDP();
    int iRound = TEXT_PRECISION;
    // SQLite shortens 17-digit strings ending in 99… or 000… when the shorter text round-trips.
    if (buf[off + 15] == '9' && buf[off + 14] == '9') {
      int jj = 14;
      while (jj > 0 && buf[off + jj - 1] == '9') {
        jj--;
      }
      long v2 = jj == 0 ? 1 : prefix(buf, off, jj) + 1;
      if (roundTrips(Math.abs(r), v2, iDP - jj)) {
        iRound = jj + 1;
      }
    } else if (iDP >= n || (buf[off + 15] == '0' && buf[off + 14] == '0' && buf[off + 13] == '0')) {
      int jj = 13;
      while (jj > 1 && buf[off + jj - 1] == '0') {
        jj--;
      }
      long v2 = prefix(buf, off, jj);
      if (roundTrips(Math.abs(r), v2, iDP - jj)) {
        iRound = jj + 1;
      }
    }
    int[] res = roundAt(buf, off, iRound, iDP);
    off = res[0];
    n = res[1];
    iDP = res[2];
    return formatGeneric(r < 0, buf, off, n, iDP);
  }

  /** Rounds the digit string at {@code iRound} digits, half up; returns {off, n, iDP}, trailing zeros trimmed. */
  private static int[] roundAt(char[] buf, int off, int iRound, int iDP) {
    int n = iRound;
    if (buf[off + iRound] >= '5') {
      int j = iRound - 1;
      while (true) {
        buf[off + j]++;
        if (buf[off + j] <= '9') {
          break;
        }
        buf[off + j] = '0';
        if (j == 0) {
          off--;
          buf[off] = '1';
          n++;
          iDP++;
          break;
        }
        j--;
      }
    }
    while (n > 1 && buf[off + n - 1] == '0') {
      n--;
    }
    return new int[] {off, n, iDP};
  }

  private static String formatGeneric(boolean negative, char[] buf, int off, int n, int iDP) {
    StringBuilder sb = new StringBuilder(32);
    if (negative) {
      sb.append('-');
    }
    int exp = iDP - 1;
    if (exp < -4 || exp > TEXT_PRECISION - 1) {
      sb.append(buf[off]).append('.');
      if (n > 1) {
        sb.append(buf, off + 1, n - 1);
      } else {
        sb.append('0');
      }
      sb.append('e').append(exp < 0 ? '-' : '+');
      int a = Math.abs(exp);
      if (a < 10) {
        sb.append('0');
      }
      sb.append(a);
    } else if (iDP <= 0) {
      sb.append("0.");
      for (int k = 0; k < -iDP; k++) {
        sb.append('0');
      }
      sb.append(buf, off, n);
    } else {
      for (int k = 0; k < iDP; k++) {
        sb.append(k < n ? buf[off + k] : '0');
      }
      sb.append('.');
      if (n > iDP) {
        sb.append(buf, off + iDP, n - iDP);
      } else {
        sb.append('0');
      }
    }
    return sb.toString();
  }

  /**
   * SQLite's {@code round(r, digits)} for {@code digits} in 1..30: the value printed with {@code
   * "%.*f"} (at most 16 significant digits, half up on the decoded digits) and read back.
   */
  static double roundToDigits(double r, int digits) {
    if (r == 0.0 || Double.isInfinite(r) || Double.isNaN(r)) {
      return r;
    }
    Digits dg = decode(r);
    char[] buf = dg.z();
    int off = 1;
    int iDP = dg.iDP();
    int iRound = iDP + digits;
    if (iRound == 0 && buf[off] >= '5') {
      off--;
      buf[off] = '0';
      iDP++;
      iRound = 1;
    }
    boolean negative = r < 0;
    if (iRound <= 0) {
      return negative ? -0.0 : 0.0;
    }
    iRound = Math.min(iRound, FIXED_MAX_DIGITS);
    int[] res = roundAt(buf, off, iRound, iDP);
    String mant = new String(buf, res[0], res[1]);
    double v = Double.parseDouble(mant + "e" + (res[2] - res[1]));
    return negative ? -v : v;
  }
}
