package io.walflow.ingest.progress;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * A progress line on stderr for long work (replay, snapshots): done/total, percentage and rate.
 * On a terminal it is redrawn in place (at most four times a second, from one second on); otherwise
 * a line is printed every five seconds, so logs stay readable. Work shorter than that prints
 * nothing; work that lasted longer ends with a final line.
 *
 * <p>The system property {@value #INTERVAL_PROPERTY} (milliseconds) replaces both intervals, for
 * logs that want more (or fewer) lines: {@code WALFLOW_JAVA_OPTS=-Dwalflow.progress.interval.ms=1000}.
 */
public final class ProgressLine {
  /** The system property that sets the interval between lines, in milliseconds. */
  public static final String INTERVAL_PROPERTY = "walflow.progress.interval.ms";
  private static final long TERMINAL_FIRST_NANOS = 1_000_000_000L;
  private static final long TERMINAL_EVERY_NANOS = 250_000_000L;
  private static final long PLAIN_EVERY_NANOS = 5_000_000_000L;

  private final String label;
  private final String unit;
  private final PrintWriter out;
  private final boolean terminal;
  private final long every;
  private final long first;
  private final long start = System.nanoTime();
  private long total;
  private long next;
  private boolean shown;

  /**
   * @param label what is being done, e.g. {@code "replay app"}
   * @param total the amount of work (≤ 0: unknown, no percentage)
   * @param unit what is counted, e.g. {@code "pages"}
   */
  public ProgressLine(String label, long total, String unit) {
    this(label, total, unit, new PrintWriter(System.err, true), System.console() != null);
  }

  /** A progress line on {@code out} (a command's error stream). */
  public ProgressLine(String label, long total, String unit, PrintWriter out) {
    this(label, total, unit, out, System.console() != null);
  }

  ProgressLine(String label, long total, String unit, PrintStream out, boolean terminal) {
    this(label, total, unit, new PrintWriter(out, true), terminal);
  }

  private ProgressLine(String label, long total, String unit, PrintWriter out, boolean terminal) {
    this.label = label;
    this.total = total;
    this.unit = unit;
    this.out = out;
    this.terminal = terminal;
    Long configured = Long.getLong(INTERVAL_PROPERTY);
    this.every = configured != null ? Math.max(0, configured) * 1_000_000L : terminal ? TERMINAL_EVERY_NANOS : PLAIN_EVERY_NANOS;
    this.first = configured != null ? every : terminal ? TERMINAL_FIRST_NANOS : PLAIN_EVERY_NANOS;
    this.next = start + first;
  }

  /** Changes the amount of work, when it becomes known. */
  public void total(long total) {
    this.total = total;
  }

  /** Reports {@code done} units so far; prints when it is time to. */
  public void update(long done) {
    long now = System.nanoTime();
    if (now < next) {
      return;
    }
    next = now + every;
    String line = format(done, now);
    if (terminal) {
      out.print("\r" + line + "\u001b[K");
    } else {
      out.println(line);
    }
    out.flush();
    shown = true;
  }

  /** Ends the line: a final line when one was shown or the work lasted past the first interval. */
  public void finish(long done) {
    if (shown || System.nanoTime() - start >= first) {
      String line = format(done, System.nanoTime());
      if (terminal) {
        out.println("\r" + line + "\u001b[K");
      } else {
        out.println(line);
      }
      out.flush();
    }
  }

  String format(long done, long now) {
    double seconds = Math.max(1e-9, (now - start) / 1e9);
    double rate = done / seconds;
    StringBuilder b = new StringBuilder(label).append(": ").append(done);
    if (total > 0) {
      b.append('/').append(total).append(' ').append(unit)
          .append(String.format(Locale.ROOT, " (%.1f%%)", 100.0 * Math.min(done, total) / total));
    } else {
      b.append(' ').append(unit);
    }
    b.append(String.format(Locale.ROOT, ", %.0f %s/s, %.0f s", rate, unit, seconds));
    if (total > 0 && rate > 0 && done < total) {
      b.append(String.format(Locale.ROOT, ", ~%.0f s left", (total - done) / rate));
    }
    return b.toString();
  }
}
