package io.walflow.dataflow.eval;

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

  /** The precision of SQLite's real-to-text format, {@code "%!.17g"}. */
  private static final int TEXT_PRECISION = 17;
  /** Significant digits SQLite's printf keeps at most with the {@code !} flag. */
  private static final int ALT_MAX_DIGITS = 26;

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

  /** Digits {@code z[off … off+n)}, the decimal point after {@code iDP} of them. */
  private record Digits(char[] z, int off, int n, int iDP) {}

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

  /**
   * {@code sqlite3FpDecode}: the significant digits of |r| rounded as SQLite rounds them; {@code
   * iRound > 0} keeps that many significant digits, {@code iRound <= 0} that many after the point.
   */
  private static Digits fpDecode(double r, int iRound, int mxRound) {
    SqliteDecimal.Decoded d = SqliteDecimal.decode(r, (iRound <= 0 || iRound >= 18) ? 18 : iRound + 1);
    String digits = d.digits();
    int n = digits.length();
    char[] z = new char[n + 2];
    digits.getChars(0, n, z, 2);
    int off = 2;
    int iDP = d.iDP();
    if (r == 0.0) {
      return new Digits(z, off, 1, 1);
    }
    double a = Math.abs(r);
    if (iRound <= 0) {
      iRound = iDP - iRound;
      if (iRound == 0 && z[off] >= '5') {
        iRound = 1;
        z[--off] = '0';
        n++;
        iDP++;
      }
    }
    if (iRound > 0 && (iRound < n || n > mxRound)) {
      if (iRound > mxRound) {
        iRound = mxRound;
      }
      if (iRound == 17) {
        // SQLite shortens 17 digits ending in 99… or 000… when the shorter text round-trips.
        if (z[off + 15] == '9' && z[off + 14] == '9') {
          int jj = 14;
          while (jj > 0 && z[off + jj - 1] == '9') {
            jj--;
          }
          long v2 = jj == 0 ? 1 : prefix(z, off, jj) + 1;
          if (roundTrips(a, v2, iDP - jj)) {
            iRound = jj + 1;
          }
        } else if (iDP >= n || (z[off + 15] == '0' && z[off + 14] == '0' && z[off + 13] == '0')) {
          int jj = 13;
          while (z[off + jj - 1] == '0') {
            jj--;
          }
          long v2 = prefix(z, off, jj);
          if (roundTrips(a, v2, iDP - jj)) {
            iRound = jj + 1;
          }
        }
      }
      n = iRound;
      if (z[off + iRound] >= '5') {
        int j = iRound - 1;
        while (true) {
          z[off + j]++;
          if (z[off + j] <= '9') {
            break;
          }
          z[off + j] = '0';
          if (j == 0) {
            z[--off] = '1';
            n++;
            iDP++;
            break;
          }
          j--;
        }
      }
    }
    while (n > 1 && z[off + n - 1] == '0') {
      n--;
    }
    return new Digits(z, off, n, iDP);
  }

  /** SQLite's text for a real ({@code CAST(r AS TEXT)}, {@code r || ''}): {@code "%!.17g"}. */
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
    Digits d = fpDecode(r, TEXT_PRECISION, ALT_MAX_DIGITS);
    return formatGeneric(r < 0, d.z(), d.off(), d.n(), d.iDP());
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
   * "%!.*f"} and read back.
   */
  static double roundToDigits(double r, int digits) {
    if (r == 0.0 || Double.isInfinite(r) || Double.isNaN(r)) {
      return r;
    }
    Digits d = fpDecode(r, -digits, ALT_MAX_DIGITS);
    // The printed digits: those before position iDP + digits; later ones are cut off by the format.
    int keep = Math.min(d.n(), d.iDP() + digits);
    double v;
    if (keep <= 0) {
      v = 0.0;
    } else {
      v = Double.parseDouble(new String(d.z(), d.off(), keep) + "e" + (d.iDP() - keep));
    }
    return r < 0 ? -v : v;
  }
}
