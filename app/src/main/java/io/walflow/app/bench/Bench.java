package io.walflow.app.bench;

import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs benchmark suites, each comparing walflow with a baseline measured in the same run on the same
 * machine, and collects their figures in a {@link Report}.
 *
 * <p>Run with {@code ./walflow bench --suite capture} (see {@code docs/benchmarks.md}).
 */
public final class Bench {
  /** Every suite this build has, by name, in the order {@code all} runs them. */
  private static final Map<String, Suite> SUITES = new LinkedHashMap<>();

  static {
    register(new CaptureSuite());
    register(new DecodeSuite());
    register(new LogSuite());
    register(new DataflowSuite());
    register(new ViewsSuite());
    register(new ReplicaSuite());
    register(new RepairSuite());
  }

  private Bench() {}

  private static void register(Suite s) {
    SUITES.put(s.name(), s);
  }

  /** Names and one-line descriptions of the suites this build has. */
  public static Map<String, String> suites() {
    Map<String, String> out = new LinkedHashMap<>();
    SUITES.forEach((name, s) -> out.put(name, s.description()));
    return out;
  }

  /**
   * Expands {@code all} and checks the names.
   *
   * @throws IllegalArgumentException for a suite this build does not have
   */
  public static List<String> resolve(List<String> names) {
    List<String> out = new ArrayList<>();
    for (String n : names) {
      if (n.equals("all")) {
        SUITES.keySet().stream().filter(s -> !out.contains(s)).forEach(out::add);
      } else if (SUITES.containsKey(n)) {
        if (!out.contains(n)) {
          out.add(n);
        }
      } else {
        throw new IllegalArgumentException("--suite: no suite '" + n + "' in this build; available: "
            + String.join(", ", SUITES.keySet()) + ", all");
      }
    }
    return out;
  }

  /** Runs the suites of {@code settings}, printing progress on {@code err}. */
  public static Report run(BenchSettings settings, PrintStream err) throws Exception {
    Instant started = Instant.now();
    Progress progress = new Progress(err);
    try (Workspace workspace = new Workspace(settings.dir())) {
      Report report = new Report(started, Machine.describe(workspace.root()), settings);
      String loadBefore = Machine.loadAverage();
      progress.say("benchmark files in %s (removed at the end); load average %s", workspace.root(), loadBefore);
      for (String name : settings.suites()) {
        Suite suite = SUITES.get(name);
        progress.say("suite %s: %s", name, suite.description());
        report.add(suite.run(settings, workspace, progress, report));
      }
      String loadAfter = Machine.loadAverage();
      report.note("load average (1, 5, 15 min) before the run: " + loadBefore + "; after: " + loadAfter
          + ". Anything well above 0 before the run means other processes competed for the CPUs.");
      progress.say("done");
      return report;
    }
  }
}
