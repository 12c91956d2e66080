package io.walflow.app.bench;

import java.io.PrintStream;
import java.util.Locale;

/** Progress lines on stderr, prefixed with the elapsed time of the whole run. */
final class Progress {
  private final PrintStream err;
  private final long start = System.nanoTime();

  Progress(PrintStream err) {
    this.err = err;
  }

  void say(String format, Object... args) {
    double t = (System.nanoTime() - start) / 1e9;
    err.printf(Locale.ROOT, "[%6.1fs] %s%n", t, String.format(Locale.ROOT, format, args));
    err.flush();
  }
}
