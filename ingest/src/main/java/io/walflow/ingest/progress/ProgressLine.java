package io.walflow.ingest.progress;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress line on stderr for long work (replay, snapshots): done/total, percentage and rate.
 * On a terminal it is redrawn in place (at most four times a second, from one second on); otherwise
 * a line is printed every five seconds, so logs stay readable. Work shorter than that prints
 * nothing.
 */
public final class ProgressLine {
  private static final long TERMINAL_FIRST_NANOS = 1_000_000_000L;
  private static final long TERMINAL_EVERY_NANOS = 250_000_000L;
  private static final long PLAIN_EVERY_NANOS = 5_000_000_000L;

  private final String label;
  private final String unit;
  private final PrintStream out;
  private final boolean terminal;
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
    this(label, total, unit, System.err, System.console() != null);
  }

  ProgressLine(String label, long total, String unit, PrintStream out, boolean terminal) {
    this.label = label;
    this.total = total;
    this.unit = unit;
    this.out = out;
    this.terminal = terminal;
    this.next = start + (terminal ? TERMINAL_FIRST_NANOS : PLAIN_EVERY_NANOS);
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
    next = now + (terminal ? TERMINAL_EVERY_NANOS : PLAIN_EVERY_NANOS);
    String line = format(done, now);
    if (terminal) {
      out.print("\r" + line + "\u001b[K");
    } else {
      out.println(line);
    }
    out.flush();
    shown = true;
  }

  /** Ends the line (on a terminal, after it was drawn). */
  public void finish(long done) {
    if (shown) {
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
