package io.walflow.app.bench;

import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.DatabaseStats;
import io.walflow.ingest.Durability;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * {@code walflow bench --suite capture}: what capture costs the application, and how fast a commit
 * reaches the log (issue 2, "Benchmark").
 *
 * <ol>
 *   <li>A SQLite writer at full speed, single-row commits ({@code synchronous=NORMAL}, WAL): alone,
 *       and with capture running in the same JVM. Figures: the writer's commits/s and their ratio
 *       (goal ≥ 0.8); capture's lag after the writer's last commit.
 *   <li>The same with 1000-row transactions (rows/s).
 *   <li>Commit→durable latency (p50, p99, max) of a writer paced at a moderate rate, so that the
 *       figure is latency rather than queueing, for commit windows of 0 and 10 ms (and 10 ms with
 *       fsync).
 * </ol>
 *
 * <p>Throughput sides alternate A B B A A B … (A = alone, B = with capture) so that drift (page
 * cache, CPU frequency, other load) falls on both; each figure is the median of the repeats. A short
 * warm-up of both sides runs first and is not reported, so the JIT has compiled the writer and
 * capture before anything is measured.
 *
 * <p>Run with {@code ./walflow bench --suite capture}.
 */
final class CaptureSuite implements Suite {
  /** Throughput ratio the issue asks for. */
  private static final double RATIO_GOAL = 0.8;
  /** "A running capture sees each new commit within a few milliseconds" (issue 2): read as 5 ms. */
  private static final double FEW_MS = 5;
  /** Rows per transaction in the batch comparison. */
  private static final int BATCH_ROWS = 1000;
  /** Length of each warm-up load. */
  private static final long WARMUP_NANOS = TimeUnit.MILLISECONDS.toNanos(1500);

  @Override
  public String name() {
    return "capture";
  }

  @Override
  public String description() {
    return "SQLite writer alone vs with capture (single-row and 1000-row transactions), capture lag, "
        + "commit->durable latency for commit windows 0 and 10 ms";
  }

  @Override
  public List<Row> run(BenchSettings settings, Workspace workspace, Progress progress, Report report) throws Exception {
    CaptureRuns runs = new CaptureRuns(workspace, progress);
    long nanos = TimeUnit.SECONDS.toNanos(settings.seconds());
    List<Row> rows = new ArrayList<>();

    progress.say("capture: warming up (writer alone at full speed, then paced with capture; %.1f s each, "
        + "not reported)", WARMUP_NANOS / 1e9);
    runs.throughput("warmup-alone", false, WARMUP_NANOS, 1);
    // Paced, so that capture cannot fall behind and make the warm-up long.
    runs.latency("warmup-capture", Duration.ZERO, Durability.LOCAL, WARMUP_NANOS, settings.latencyRate());

    rows.addAll(throughputRows(runs, progress, settings, nanos, 1));
    rows.addAll(throughputRows(runs, progress, settings, nanos, BATCH_ROWS));

    rows.addAll(latencyRows(runs, progress, settings, nanos, Duration.ZERO, Durability.LOCAL));
    rows.addAll(latencyRows(runs, progress, settings, nanos, Duration.ofMillis(10), Durability.LOCAL));
    if (settings.fsync()) {
      rows.addAll(latencyRows(runs, progress, settings, nanos, Duration.ofMillis(10), Durability.FSYNC));
    }

    CaptureConfig defaults = CaptureConfig.defaults(workspace.root());
    report.note("capture: throughput figures are medians of " + settings.repeats() + " runs of " + settings.seconds()
        + " s per side, alternating alone/with (A B B A ...); capture runs in the same JVM as the writer, "
        + "configured as `walflow capture` is by default (CaptureConfig.defaults: decodeChanges="
        + defaults.decodeChanges() + ", compressPages=" + defaults.compressPages() + ", checkpointPages="
        + defaults.checkpointPages() + "), local durability, window 0.");
    report.note("capture: latency is measured per commit: nanoTime after commit() returned to nanoTime the log "
        + "writer reported the LSN durable; one run of " + settings.seconds() + " s per configuration at "
        + settings.latencyRate() + " commits/s.");
    rows.stream().flatMap(r -> r.problem().stream()).distinct()
        .forEach(p -> report.note("capture: PROBLEM: " + p));
    return rows;
  }

  private List<Row> throughputRows(CaptureRuns runs, Progress progress, BenchSettings settings, long nanos,
      int rowsPerTxn) throws Exception {
    String kind = rowsPerTxn == 1 ? "single-row commits" : rowsPerTxn + "-row transactions";
    String tag = rowsPerTxn == 1 ? "single" : "batch" + rowsPerTxn;
    List<CaptureRuns.Throughput> alone = new ArrayList<>();
    List<CaptureRuns.Throughput> with = new ArrayList<>();
    int total = 2 * settings.repeats();
    for (int i = 0; i < total; i++) {
      // A B B A A B ...: each pair alternates which side goes first.
      boolean withCapture = (i % 2 == 0) == ((i / 2) % 2 == 1);
      List<CaptureRuns.Throughput> side = withCapture ? with : alone;
      String label = tag + (withCapture ? "-capture-" : "-alone-") + (side.size() + 1);
      progress.say("capture: %s, %s, run %d/%d: %d s…", kind, withCapture ? "with capture" : "alone",
          side.size() + 1, settings.repeats(), settings.seconds());
      CaptureRuns.Throughput t = runs.throughput(label, withCapture, nanos, rowsPerTxn);
      side.add(t);
      if (withCapture) {
        DatabaseStats s = t.walflow().orElseThrow();
        progress.say("capture:   %s %s/s; capture %s commits behind when the writer stopped, durable %s after "
                + "the last commit (most behind %s; at each second %s); capture ran %d checkpoints, saw %d WAL "
                + "restarts",
            Report.number(rate(t, rowsPerTxn)), rowsPerTxn == 1 ? "commits" : "rows", count(t.behindAtStop()),
            t.lagMillis().isPresent() ? String.format(Locale.ROOT, "%.1f ms", t.lagMillis().getAsDouble()) : "never",
            count(t.maxBehind()), t.behindEachSecond(), s.checkpoints(), s.walRestarts());
      } else {
        progress.say("capture:   %s %s/s", Report.number(rate(t, rowsPerTxn)), rowsPerTxn == 1 ? "commits" : "rows");
      }
    }
    String unit = rowsPerTxn == 1 ? "commits/s" : "rows/s";
    ToDoubleFunction<CaptureRuns.Throughput> figure = t -> rate(t, rowsPerTxn);
    List<Double> withRates = values(with, figure);
    List<Double> aloneRates = values(alone, figure);
    List<Double> lags = values(with, t -> t.lagMillis().orElse(Double.NaN));
    Optional<String> problem = with.stream().flatMap(t -> t.problem().stream()).reduce((a, b) -> a + "; " + b);
    List<Double> behind = values(with, t -> t.behindAtStop());
    List<Double> maxBehind = values(with, t -> t.maxBehind());
    String order = settings.repeats() + " runs of " + settings.seconds() + " s each side, alternating";
    String perCommit = with.stream().map(t -> t.walflow().orElseThrow())
        .map(s -> String.format(Locale.ROOT, "%.1f frames, %.0f log bytes; capture's checkpoints %d, WAL restarts %d",
            s.frames() / (double) s.commits(), s.logBytes() / (double) s.commits(), s.checkpoints(), s.walRestarts()))
        .collect(Collectors.joining(" | ", "; with capture, per run: per commit ", ""));
    List<Row> rows = new ArrayList<>();
    rows.add(new Row("capture", "writer " + unit + ", " + kind + ", with capture vs alone", unit, median(withRates),
        OptionalDouble.of(median(aloneRates)), new Goal.RatioAtLeast(RATIO_GOAL), withRates, aloneRates,
        "median of " + order + perCommit, problem));
    rows.add(new Row("capture", "capture lag after the last commit, " + kind, "ms", median(lags), OptionalDouble.empty(),
        new Goal.AtMost(FEW_MS, "ms", "issue 2: each commit seen within a few milliseconds"), lags, List.of(),
        "from the writer's last commit() returning to capture reporting that LSN durable; median of " + order
            + " (runs where capture never got there are left out)", problem));
    rows.add(new Row("capture", "commits not yet durable when the writer stopped, " + kind, "commits", median(behind),
        OptionalDouble.empty(), new Goal.None(), behind, List.of(),
        "writer's last LSN minus capture's durable LSN at that instant; most during a run (sampled every 100 ms): "
            + maxBehind.stream().map(d -> String.valueOf(d.longValue())).collect(Collectors.joining(", ")),
        problem));
    return rows;
  }

  private List<Row> latencyRows(CaptureRuns runs, Progress progress, BenchSettings settings, long nanos,
      Duration window, Durability durability) throws Exception {
    long ms = window.toMillis();
    String config = "window " + ms + " ms, " + durability.name().toLowerCase(Locale.ROOT);
    progress.say("capture: commit->durable latency, %s, %,d commits/s paced: %d s…", config, settings.latencyRate(),
        settings.seconds());
    CaptureRuns.Latency l = runs.latency("latency-w" + ms + "-" + durability.name().toLowerCase(Locale.ROOT), window,
        durability, nanos, settings.latencyRate());
    Histogram h = l.micros();
    double p50 = h.getValueAtPercentile(50) / 1000.0;
    double p99 = h.getValueAtPercentile(99) / 1000.0;
    double max = h.getMaxValue() / 1000.0;
    progress.say("capture:   p50 %.2f ms, p99 %.2f ms, max %.2f ms over %,d commits (%.0f commits/s achieved)", p50,
        p99, max, l.commits(), l.commitsPerSecond());
    String detail = String.format(Locale.ROOT,
        "%,d commits at %.0f/s (target %d/s), one run of %d s; p90 %.2f ms, p99.9 %.2f ms, mean %.2f ms; "
            + "%d commits durable before commit() returned (counted as 0)",
        l.commits(), l.commitsPerSecond(), settings.latencyRate(), settings.seconds(),
        h.getValueAtPercentile(90) / 1000.0, h.getValueAtPercentile(99.9) / 1000.0, h.getMean() / 1000.0, l.early());
    String bound = ms == 0 ? "issue 2: each commit seen within a few milliseconds"
        : "issue 2: the added latency per commit is bounded by the window";
    List<Row> rows = new ArrayList<>();
    rows.add(new Row("capture", "commit->durable p50, " + config, "ms", p50, OptionalDouble.empty(), new Goal.None(),
        List.of(p50), List.of(), detail, l.problem()));
    rows.add(new Row("capture", "commit->durable p99, " + config, "ms", p99, OptionalDouble.empty(),
        new Goal.AtMost(ms + FEW_MS, "ms", bound), List.of(p99), List.of(), detail, l.problem()));
    rows.add(new Row("capture", "commit->durable max, " + config, "ms", max, OptionalDouble.empty(), new Goal.None(),
        List.of(max), List.of(), detail, l.problem()));
    return rows;
  }

  private static double rate(CaptureRuns.Throughput t, int rowsPerTxn) {
    return rowsPerTxn == 1 ? t.load().commitsPerSecond() : t.load().rowsPerSecond();
  }

  private static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  private static List<Double> values(List<CaptureRuns.Throughput> ts, ToDoubleFunction<CaptureRuns.Throughput> f) {
    List<Double> out = new ArrayList<>();
    ts.forEach(t -> out.add(f.applyAsDouble(t)));
    return out;
  }

  /** The median of the values that are not NaN; the mean of the middle two for an even count. */
  static double median(List<Double> values) {
    List<Double> s = new ArrayList<>(values);
    s.removeIf(v -> Double.isNaN(v));
    if (s.isEmpty()) {
      return Double.NaN;
    }
    s.sort(Comparator.naturalOrder());
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }
}
