package io.walflow.app.bench;

import io.walflow.ingest.DatabaseStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/**
 * {@code walflow bench --suite decode}: how fast row changes are decoded from WAL pages, against
 * how fast SQLite writes them, and what decoding costs capture (issue 3, "Benchmark").
 *
 * <ol>
 *   <li>Decoder throughput in isolation, per load: single-row and 100-row inserting transactions,
 *       updates of existing rows (one value in {@value ChangeWriter#OVERFLOW_EVERY} larger than a
 *       page, so overflow chains are rewritten), and deletes of existing rows, each in single-row
 *       and 100-row transactions. SQLite writes the load alone at full speed (its rows/s and
 *       commits/s are the baseline); capture, without decoding, then logs it; then {@code
 *       CommitDecoder.decode} runs over every commit of the log (before = the running image, held
 *       in memory; after = an overlay of the commit's pages), timed around the call only. Figure:
 *       decoded rows/s, median of {@code --repeats} passes; goal: ratio ≥ 1.0 ("keeps up").
 *   <li>Cost of decoding within capture: the same pre-written single-row insert load caught up by
 *       capture with {@code decodeChanges} on and off, alternating (off on on off …): capture's
 *       commits/s, and with decoding against SQLite's own rate for that load.
 * </ol>
 *
 * <p>Run with {@code ./walflow bench --suite decode}.
 */
final class DecodeSuite implements Suite {
  /** "Decoding must keep up with SQLite's own write rate" (issue 3). */
  private static final double KEEP_UP = 1.0;
  /** Rows in the table before an update or delete load. */
  private static final int FILLED = 200_000;
  /** Rows per transaction of the batch loads. */
  private static final int BATCH_ROWS = 100;

  /** One load of the isolation comparison. */
  private record Load(ChangeWriter.Kind kind, int rowsPerTxn) {
    String tag() {
      return kind.word() + "-" + rowsPerTxn;
    }

    String words() {
      String what = switch (kind) {
        case INSERT -> "inserts";
        case UPDATE -> "updates (1 in " + ChangeWriter.OVERFLOW_EVERY + " overflow-sized)";
        case DELETE -> "deletes";
      };
      return what + ", " + (rowsPerTxn == 1 ? "single-row" : rowsPerTxn + "-row") + " transactions";
    }
  }

  private static final List<Load> LOADS = List.of(
      new Load(ChangeWriter.Kind.INSERT, 1), new Load(ChangeWriter.Kind.INSERT, BATCH_ROWS),
      new Load(ChangeWriter.Kind.UPDATE, 1), new Load(ChangeWriter.Kind.UPDATE, BATCH_ROWS),
      new Load(ChangeWriter.Kind.DELETE, 1), new Load(ChangeWriter.Kind.DELETE, BATCH_ROWS));

  @Override
  public String name() {
    return "decode";
  }

  @Override
  public String description() {
    return "decoded rows/s vs SQLite's write rate (inserts, updates, deletes; 1- and 100-row transactions), "
        + "capture catch-up with decoding on vs off";
  }

  /** Milliseconds of each load: 0.4 x --seconds (2 s with the defaults). */
  static long loadMillis(BenchSettings settings) {
    return settings.seconds() * 400L;
  }

  /** Commits of each catch-up run: 4,000 x --seconds (20,000 with the defaults). */
  static long catchUpCommits(BenchSettings settings) {
    return settings.seconds() * 4_000L;
  }

  @Override
  public List<Row> run(BenchSettings settings, Workspace workspace, Progress progress, Report report) throws Exception {
    DecodeRuns runs = new DecodeRuns(workspace, progress);
    List<Row> rows = new ArrayList<>();
    for (Load load : LOADS) {
      rows.add(isolation(runs, progress, settings, load, load == LOADS.get(0)));
    }
    rows.addAll(catchUpRows(runs, progress, settings));
    report.note("decode: each load is written by SQLite alone at full speed for " + loadMillis(settings)
        + " ms (WAL, synchronous=NORMAL, wal_autocheckpoint=0 so the whole load stays in the WAL; update and delete "
        + "loads start from " + String.format(Locale.ROOT, "%,d", FILLED) + " rows); that run is the baseline. Capture "
        + "(decodeChanges=false) then logs it, and CommitDecoder.decode runs over the log's commits "
        + settings.repeats() + " times (median; one unreported warm-up pass first for the first load), before-image in "
        + "memory, timed around decode() only.");
    report.note("decode: catch-up runs pre-write " + String.format(Locale.ROOT, "%,d", catchUpCommits(settings))
        + " single-row insert commits with capture stopped, then time Capture.start to the last LSN durable; "
        + settings.repeats() + " runs per side alternating off/on, median; capture's checkpoints are off in these runs.");
    rows.stream().flatMap(r -> r.problem().stream()).distinct()
        .forEach(p -> report.note("decode: PROBLEM: " + p));
    return rows;
  }

  /** @param warmUp first decode the log once unreported, so that the JIT has compiled the decoder */
  private Row isolation(DecodeRuns runs, Progress progress, BenchSettings settings, Load load, boolean warmUp)
      throws Exception {
    progress.say("decode: %s: SQLite writes for %d ms (alone), then capture logs it without decoding…", load.words(),
        loadMillis(settings));
    try (DecodeRuns.Captured c = runs.capture(load.tag(), load.kind(), load.kind() == ChangeWriter.Kind.INSERT ? 0
        : FILLED, load.rowsPerTxn(), java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(loadMillis(settings)))) {
      SqliteWriter.Load w = c.load();
      progress.say("decode:   SQLite: %s rows/s, %s commits/s (%,d commits)", Report.number(w.rowsPerSecond()),
          Report.number(w.commitsPerSecond()), w.commits());
      if (warmUp) {
        DecodeRuns.Pass p = runs.decodePass(c);
        progress.say("decode:   warm-up pass (not reported): %s rows/s", Report.number(p.rowsPerSecond()));
      }
      List<DecodeRuns.Pass> passes = new ArrayList<>();
      for (int i = 1; i <= settings.repeats(); i++) {
        DecodeRuns.Pass p = runs.decodePass(c);
        passes.add(p);
        progress.say("decode:   decode pass %d/%d: %s rows/s, %s commits/s (%.1f µs per commit; encoding %.1f µs)",
            i, settings.repeats(), Report.number(p.rowsPerSecond()), Report.number(p.commitsPerSecond()),
            p.decodeNanos() / 1e3 / p.commits(), p.encodeNanos() / 1e3 / p.commits());
      }
      List<Double> rates = values(passes, DecodeRuns.Pass::rowsPerSecond);
      List<String> problems = new ArrayList<>();
      for (DecodeRuns.Pass p : passes) {
        if (p.commits() != w.commits() || p.rows() != w.rows() || p.snapshots() != 1) {
          problems.add(String.format(Locale.ROOT, "%s: SQLite committed %,d transactions changing %,d rows; the "
                  + "decoder saw %,d commits, %d snapshots and reported %,d row changes", load.tag(), w.commits(),
              w.rows(), p.commits(), p.snapshots(), p.rows()));
        }
      }
      Optional<String> problem = problems.stream().distinct().reduce((a, b) -> a + "; " + b);
      problem.ifPresent(p -> progress.say("decode:   PROBLEM %s", p));
      DecodeRuns.Pass mid = passes.stream()
          .sorted(java.util.Comparator.comparingDouble(DecodeRuns.Pass::rowsPerSecond)).toList()
          .get(passes.size() / 2);
      String detail = String.format(Locale.ROOT,
          "SQLite alone: %,.0f rows/s, %,.0f commits/s over %,d commits in %.2f s. Decoder (median pass): %,.0f "
              + "commits/s, %.1f µs per commit (slowest %.2f ms), %.2f before-image page reads per commit; "
              + "ChangeCodec.encode adds %.1f µs per commit (%.0f bytes), so decode+encode = %,.0f rows/s. "
              + "Passes (rows/s): %s",
          w.rowsPerSecond(), w.commitsPerSecond(), w.commits(), w.elapsedNanos() / 1e9, mid.commitsPerSecond(),
          mid.decodeNanos() / 1e3 / mid.commits(), mid.maxCommitNanos() / 1e6, mid.pageReads() / (double) mid.commits(),
          mid.encodeNanos() / 1e3 / mid.commits(), mid.encodedBytes() / (double) mid.commits(),
          mid.rows() / ((mid.decodeNanos() + mid.encodeNanos()) / 1e9),
          rates.stream().map(Report::number).collect(Collectors.joining(", ")));
      return new Row("decode", "decoded rows/s vs SQLite writing them, " + load.words(), "rows/s",
          CaptureSuite.median(rates), OptionalDouble.of(w.rowsPerSecond()), new Goal.RatioAtLeast(KEEP_UP), rates,
          List.of(w.rowsPerSecond()), detail, problem);
    }
  }

  private List<Row> catchUpRows(DecodeRuns runs, Progress progress, BenchSettings settings) throws Exception {
    long commits = catchUpCommits(settings);
    List<DecodeRuns.CatchUp> off = new ArrayList<>();
    List<DecodeRuns.CatchUp> on = new ArrayList<>();
    int total = 2 * settings.repeats();
    for (int i = 0; i < total; i++) {
      // A B B A A B ... with A = decoding off.
      boolean decode = (i % 2 == 0) == ((i / 2) % 2 == 1);
      List<DecodeRuns.CatchUp> side = decode ? on : off;
      String label = "catchup-" + (decode ? "decode-" : "nodecode-") + (side.size() + 1);
      progress.say("decode: capture catch-up over %,d pre-written single-row commits, decodeChanges=%s, run %d/%d…",
          commits, decode, side.size() + 1, settings.repeats());
      DecodeRuns.CatchUp c = runs.catchUp(label, decode, commits);
      side.add(c);
      progress.say("decode:   SQLite wrote them at %s commits/s; capture: %s commits/s from start (%.2f s), %s "
              + "commits/s from LSN 1 on", Report.number(c.load().commitsPerSecond()),
          Report.number(c.commitsPerSecond()), c.catchUpNanos() / 1e9, Report.number(c.streamCommitsPerSecond()));
    }
    Optional<String> problem = java.util.stream.Stream.concat(off.stream(), on.stream())
        .flatMap(c -> c.problem().stream()).reduce((a, b) -> a + "; " + b);
    List<Double> onRates = values(on, DecodeRuns.CatchUp::commitsPerSecond);
    List<Double> offRates = values(off, DecodeRuns.CatchUp::commitsPerSecond);
    List<Double> writerRates = values(on, c -> c.load().commitsPerSecond());
    String perRun = java.util.stream.Stream.concat(off.stream(), on.stream())
        .map(c -> {
          DatabaseStats s = c.stats().orElseThrow();
          return String.format(Locale.ROOT, "%s %.2f s, %.0f log bytes/commit",
              on.contains(c) ? "on" : "off", c.catchUpNanos() / 1e9, s.logBytes() / (double) Math.max(1, s.commits()));
        })
        .collect(Collectors.joining(" | "));
    String how = String.format(Locale.ROOT, "%,d single-row commits pre-written with capture stopped; from "
            + "Capture.start to the last LSN durable (resume included); median of %d runs per side, alternating. "
            + "From LSN 1 on: decoding on %s, off %s commits/s. Per run: %s", commits, settings.repeats(),
        Report.number(CaptureSuite.median(values(on, DecodeRuns.CatchUp::streamCommitsPerSecond))),
        Report.number(CaptureSuite.median(values(off, DecodeRuns.CatchUp::streamCommitsPerSecond))), perRun);
    List<Row> rows = new ArrayList<>();
    rows.add(new Row("decode", "capture catch-up commits/s, single-row inserts, decodeChanges on vs off", "commits/s",
        CaptureSuite.median(onRates), OptionalDouble.of(CaptureSuite.median(offRates)), new Goal.None(), onRates,
        offRates, how, problem));
    rows.add(new Row("decode", "capture catch-up commits/s with decoding vs SQLite writing them, single-row inserts",
        "commits/s", CaptureSuite.median(onRates), OptionalDouble.of(CaptureSuite.median(writerRates)),
        new Goal.None(), onRates, writerRates,
        "SQLite's rate is that of the writer alone in the same runs (median); capture with decoding as above", problem));
    return rows;
  }

  private static <T> List<Double> values(List<T> ts, ToDoubleFunction<T> f) {
    List<Double> out = new ArrayList<>();
    ts.forEach(t -> out.add(f.applyAsDouble(t)));
    return out;
  }
}
