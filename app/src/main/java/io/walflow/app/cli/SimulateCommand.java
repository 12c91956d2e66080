package io.walflow.app.cli;

import io.walflow.app.sim.SeedRunner;
import io.walflow.app.sim.Simulation;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code walflow simulate}: the deterministic SQLite → capture → log → replica and views simulation, one seed or many. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = {"Runs the deterministic simulation of a SQLite workload, capture, the log, a replica and views (dropped,",
        "duplicated, reordered, truncated and corrupted deliveries, capture crashes, replica restarts, rebuilds and",
        "power losses, retention racing repairs), checking the replica and the views against SQLite after every step.",
        "A failure prints its seed, step and recent events; --seed S replays it exactly (same trace digest).",
        "Exit 0: every seed passed; 1: one failed."})
public final class SimulateCommand implements Callable<Integer> {
  @Option(names = "--seed", paramLabel = "S", description = "The (first) seed (default: a random one, printed).")
  Long seed;

  @Option(names = "--seeds", defaultValue = "1", paramLabel = "N", description = "How many seeds, S, S+1, … (default: ${DEFAULT-VALUE}).")
  int seeds;

  @Option(names = "--soak", paramLabel = "DURATION", description = "Run seeds S, S+1, … for this long (e.g. 10m) instead of --seeds.")
  String soak;

  @Option(names = "--steps", defaultValue = "30", paramLabel = "N", description = "Steps per seed (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(names = "--threads", paramLabel = "N",
      description = "Seeds run at once, each on one thread (default: the number of processors).")
  Integer threads;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (seeds < 1 || steps < 1 || (threads != null && threads < 1)) {
      throw new IllegalArgumentException("--seeds, --steps and --threads must be at least 1");
    }
    long first = seed != null ? seed : new java.util.Random().nextLong() >>> 1;
    long until = soak == null ? Long.MAX_VALUE : System.nanoTime() + Durations.parse(soak, "--soak").toNanos();
    long count = soak == null ? seeds : Long.MAX_VALUE;
    int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
    SeedRunner.Summary s = SeedRunner.run(first, count, until, steps, (int) Math.min(n, count), r -> {
      if (count == 1) {
        out.printf("seed %d: ok (%d steps, %d faults, %d capture crashes, %d replica restarts, %d power losses, "
            + "%d damaged entries rejected, %d repairs, %d resnapshots, %d store damages and %d dropped changes "
            + "repaired by digests, LSN %d) trace %s%n",
            r.seed(), r.steps(), r.faults(), r.captureCrashes(), r.replicaRestarts(), r.powerLosses(),
            r.rejectedEntries(), r.repairs(), r.resnapshots(), r.storeDamages(), r.droppedChanges(), r.lastLsn(),
            r.trace());
      }
    });
    if (s.failure().isPresent()) {
      out.println("FAILED " + s.failure().get().getMessage());
      return 1;
    }
    out.printf("%d seeds from %d passed in %.1f s (%.0f seeds/minute, %d steps each, %d threads): %d faults, "
        + "%d damaged entries rejected, %d capture crashes, %d power losses, %d repairs, %d resnapshots, "
        + "%d store damages and %d dropped changes repaired by digests%n",
        s.seeds(), first, s.seconds(), s.seedsPerMinute(), steps, Math.min(n, count), s.faults(), s.rejectedEntries(),
        s.captureCrashes(), s.powerLosses(), s.repairs(), s.resnapshots(), s.storeDamages(), s.droppedChanges());
    return 0;
  }
}
