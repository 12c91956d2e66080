package io.walflow.views;

import io.walflow.dataflow.BadParametersException;
import io.walflow.dataflow.ViewInfo;
import io.walflow.dataflow.plan.Affinity;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.RealValue;
import io.walflow.ingest.change.TextValue;
import io.walflow.ingest.change.Value;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Parameter values for a view, coerced to each parameter's affinity by SQLite's rules
 * (https://sqlite.org/datatype3.html, section 3): a TEXT parameter turns numbers into text; an
 * INTEGER, NUMERIC or REAL parameter turns well-formed numeric text into a number (an integral
 * real into an integer, except for REAL, which turns integers into reals).
 *
 * <p>Arguments that arrive as text (HTTP query strings) have no storage class of their own: for a
 * numeric parameter they must be numbers (else {@link BadParametersException}); for a parameter
 * without affinity (BLOB/NONE) a well-formed number is taken as a number and anything else as text.
 */
public final class Arguments {
  private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
  private static final Pattern INTEGER = Pattern.compile("[+-]?\\d+");

  private Arguments() {}

  /** Checks the count and coerces in-process values (SQLite's rules, no errors for types). */
  public static List<Value> coerce(ViewInfo view, List<Value> args) {
    checkCount(view, args.size());
    List<Value> out = new ArrayList<>(args.size());
    for (int i = 0; i < args.size(); i++) {
      out.add(apply(view.params().get(i), args.get(i)));
    }
    return List.copyOf(out);
  }

  /**
   * Checks the count and turns text arguments into values.
   *
   * @throws BadParametersException for a wrong count or a non-numeric argument of a numeric
   *     parameter (the message names the parameter)
   */
  public static List<Value> parse(ViewInfo view, List<String> args) {
    checkCount(view, args.size());
    List<Value> out = new ArrayList<>(args.size());
    for (int i = 0; i < args.size(); i++) {
      Affinity a = view.params().get(i);
      String s = args.get(i);
      if (a == Affinity.TEXT) {
        out.add(new TextValue(s));
        continue;
      }
      Value n = numeric(s);
      if (n == null) {
        if (a.isNumeric()) {
          throw new BadParametersException("view '" + view.name() + "': argument " + (i + 1) + " ('" + abbreviate(s)
              + "') must be a number: the parameter has " + a + " affinity");
        }
        out.add(new TextValue(s));
      } else {
        out.add(a.isNumeric() ? apply(a, n) : n);
      }
    }
    return List.copyOf(out);
  }

  private static void checkCount(ViewInfo view, int n) {
    if (n != view.params().size()) {
      throw new BadParametersException("view '" + view.name() + "' takes " + view.params().size()
          + " argument(s) " + view.params() + ", got " + n);
    }
  }

  /** Applies one affinity to one value, as SQLite does when storing into a column of that affinity. */
  public static Value apply(Affinity a, Value v) {
    switch (a) {
      case TEXT:
        if (v instanceof IntegerValue i) {
          return new TextValue(Long.toString(i.value()));
        }
        if (v instanceof RealValue r) {
          return new TextValue(realText(r.value()));
        }
        return v;
      case INTEGER:
      case NUMERIC:
      case REAL: {
        Value n = v instanceof TextValue t ? numeric(t.value()) : v;
        if (n == null) {
          return v;
        }
        if (a == Affinity.REAL) {
          return n instanceof IntegerValue i ? new RealValue(i.value()) : n;
        }
        if (n instanceof RealValue r && isLosslessLong(r.value())) {
          return new IntegerValue((long) r.value());
        }
        return n;
      }
      default:
        return v;
    }
  }

  /** A well-formed SQLite numeric literal (optional surrounding spaces) as a value, or null. */
  static Value numeric(String s) {
    String t = s.strip();
    if (t.isEmpty() || !NUMBER.matcher(t).matches()) {
      return null;
    }
    if (INTEGER.matcher(t).matches()) {
      try {
        return new IntegerValue(Long.parseLong(t));
      } catch (NumberFormatException tooBig) {
        return new RealValue(new BigDecimal(t).doubleValue());
      }
    }
    return new RealValue(Double.parseDouble(t));
  }

  private static boolean isLosslessLong(double d) {
    return d == Math.rint(d) && d >= -0x1p63 && d < 0x1p63 && !(d == 0 && 1 / d < 0);
  }

  /** SQLite's text of a real ({@code %!.15g}): 15 significant digits, always with a fraction. */
  private static String realText(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Inf" : "-Inf";
    }
    String s = new BigDecimal(d).round(new java.math.MathContext(15)).stripTrailingZeros().toString();
    if (s.contains("E")) {
      String[] parts = s.split("E");
      String mant = parts[0].contains(".") ? parts[0] : parts[0] + ".0";
      int exp = Integer.parseInt(parts[1]);
      return mant + "e" + (exp < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp));
    }
    return s.contains(".") ? s : s + ".0";
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "…";
  }
}
