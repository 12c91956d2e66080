package io.walflow.app.cli;

import ch.qos.logback.classic.Level;
import io.walflow.app.bench.Bench;
import io.walflow.app.bench.BenchSettings;
import io.walflow.app.bench.Report;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code walflow bench}: side-by-side benchmarks of walflow against baselines, in one run. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Benchmarks walflow against baselines measured in the same run.",
        "Each comparison runs walflow and its baseline side by side on this machine;",
        "the table at the end gives, per benchmark, walflow's figure, the baseline's,",
        "their ratio and the goal.",
        "",
        "Suites:",
        "  capture  a SQLite writer at full speed (WAL, synchronous=NORMAL), alone",
        "           and with capture running in the same JVM: single-row commits/s",
        "           and 1000-row transactions' rows/s (goal: ratio >= 0.8), and",
        "           capture's lag after the last commit; then commit->durable",
        "           latency p50/p99/max of a paced writer, commit windows 0 and",
        "           10 ms (and 10 ms with fsync).",
        "  decode   decoded rows/s of CommitDecoder over logged inserts, updates",
        "           and deletes (1- and 100-row transactions) against the rate SQLite",
        "           wrote them at (goal: ratio >= 1.0), and capture's catch-up",
        "           commits/s over a pre-written WAL with decoding on vs off.",
        "  log      entries/s appended by walflow's log writer against Chronicle",
        "           Queue's raw appender, same entries, same disk.",
        "  dataflow incremental views against re-running the query in SQLite and",
        "           against Kafka Streams; partial vs full state memory; deltas/s.",
        "  views    commit->SSE delta latency, fan-out to many subscribers,",
        "           lookups/s over HTTP and in process against SQLite.",
        "  replica  replica apply rows/s against raw RocksDB WriteBatch puts of",
        "           the same rows (goal: ratio >= 0.5), point reads/s with cache",
        "           hits and misses against raw RocksDB gets, and commit->visible",
        "           latency p50/p99 through a Kafka broker on loopback.",
        "  views    the walflow run stack: commit->SSE delta p50/p99 (goal: p99",
        "           <= 5 ms, commit window 0), fan-out to 10,000 in-process",
        "           subscribers and 5,000 SSE connections, lookups/s over HTTP and",
        "           in-process against SQLite running the same query.",
        "  repair   divergence repair of a replica with 0.1% of 1M rows damaged",
        "           at random against a full resync of the same replica: bytes",
        "           moved (goal: <= 2x the damaged rows' bytes) and time; capture",
        "           commits/s with digests against without (about 5 minutes).",
        "  all      every suite above.",
        "",
        "Throughput sides alternate (alone, with, with, alone, ...); the median of",
        "the repeats is reported. With the defaults --suite capture takes 1.5 to 2",
        "minutes (longer while capture falls behind: each run waits for it to catch",
        "up), --suite decode about 1.5 to 2 minutes. Progress goes to stderr, the",
        "table to stdout. Databases and",
        "logs are written in a temporary folder under --dir, removed at the end.",
        "Exit code: 0 when the benchmarks ran (goals met or not), 2 on an error.",
        ""},
    footer = {"", "Example: ./walflow bench --suite capture --json bench.json",
        "Results and the machine they were measured on: docs/benchmarks.md"})
public final class BenchCommand implements Callable<Integer> {
  @Option(names = "--suite", defaultValue = "all", split = ",", paramLabel = "SUITE",
      description = "Suite(s) to run: capture, decode, log, dataflow, views, replica or all (comma-separated or repeated; default: ${DEFAULT-VALUE}).")
  List<String> suites;

  @Option(names = "--json", paramLabel = "FILE",
      description = "Also write the results (machine, settings, every row with its per-run figures) as JSON to FILE.")
  Path json;

  @Option(names = "--seconds", defaultValue = "5", paramLabel = "S",
      description = "Length of each measured run in seconds (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--repeats", defaultValue = "3", paramLabel = "N",
      description = "Measured runs of each side of a throughput comparison; the median is reported (default: ${DEFAULT-VALUE}).")
  int repeats;

  @Option(names = "--rate", defaultValue = "2000", paramLabel = "N",
      description = "Commits per second of the paced writer in latency runs: moderate, so the figure is latency, not queueing (default: ${DEFAULT-VALUE}).")
  int rate;

  @Option(names = "--no-fsync",
      description = "Skip the latency run with --durability fsync (saves one run).")
  boolean noFsync;

  @Option(names = "--dir", paramLabel = "DIR",
      description = "Where to create the temporary benchmark folder; its disk is part of what is measured (default: the system temp folder, ${sys:java.io.tmpdir}).")
  Path dir;

  @Option(names = "--verbose",
      description = "Keep capture's own INFO log lines (snapshots, checkpoints) on stderr.")
  boolean verbose;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    BenchSettings settings = new BenchSettings(Bench.resolve(suites), seconds, repeats, rate, !noFsync,
        dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir")));
    if (!verbose) {
      // Each measurement starts and stops a capture; its INFO lines would drown the progress lines.
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.walflow.ingest")).setLevel(Level.WARN);
    }
    Report report = Bench.run(settings, System.err);
    PrintWriter out = spec.commandLine().getOut();
    out.println();
    report.printTable(out);
    if (json != null) {
      report.writeJson(json);
      spec.commandLine().getErr().println("walflow bench: results written to " + json);
    }
    return 0;
  }
}
