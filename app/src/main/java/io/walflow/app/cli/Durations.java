package io.walflow.app.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses durations written as {@code 500ms}, {@code 10s}, {@code 30m}, {@code 24h}, {@code 7d} or {@code 0}. */
final class Durations {
  private static final Pattern P = Pattern.compile("(\\d+)(ms|s|m|h|d)?");

  private Durations() {}

  static Duration parse(String s, String option) {
    Matcher m = P.matcher(s.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(option + ": expected a duration such as 500ms, 10s, 30m, 24h or 7d, got '" + s + "'");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    return switch (unit) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    };
  }
}
