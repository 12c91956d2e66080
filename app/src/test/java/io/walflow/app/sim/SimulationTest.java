package io.walflow.app.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** 1,000 seeds of the deterministic simulation; a seed replays exactly (same trace digest). */
class SimulationTest {
  static final int SEEDS = Integer.getInteger("walflow.sim.seeds", 1000);
  static final int STEPS = 30;

  Path dir;

  @BeforeEach
  void workDir() throws IOException {
    dir = Simulation.workDir();
  }

  @AfterEach
  void deleteWorkDir() {
    Simulation.deleteTree(dir);
  }

  @Test
  void thousandSeeds_holdEveryInvariant() {
    long first = System.nanoTime() & 0xffffffffL;
    System.out.println("seeds " + first + " .. " + (first + SEEDS - 1));
    long faults = 0;
    long rejected = 0;
    long repairs = 0;
    long resnapshots = 0;
    long captureCrashes = 0;
    long powerLosses = 0;
    long started = System.nanoTime();
    for (long s = first; s < first + SEEDS; s++) {
      Path d = dir.resolve(Long.toString(s));
      Simulation.Result r = Simulation.run(s, d, STEPS);
      Simulation.deleteTree(d);
      faults += r.faults();
      rejected += r.rejectedEntries();
      repairs += r.repairs();
      resnapshots += r.resnapshots();
      captureCrashes += r.captureCrashes();
      powerLosses += r.powerLosses();
    }
    double secs = (System.nanoTime() - started) / 1e9;
    System.out.printf("%d seeds x %d steps in %.1f s (%.0f seeds/minute): %d faults, %d damaged entries rejected, "
        + "%d capture crashes, %d power losses, %d range repairs, %d resnapshots%n", SEEDS, STEPS, secs,
        SEEDS / secs * 60, faults, rejected, captureCrashes, powerLosses, repairs, resnapshots);
    assertThat(faults).isPositive();
    assertThat(rejected).isPositive();
    assertThat(repairs).isPositive();
    assertThat(resnapshots).isPositive();
    assertThat(captureCrashes).isPositive();
    assertThat(powerLosses).isPositive();
  }

  @Test
  void aSeedReplaysExactly() {
    Simulation.Result a = Simulation.run(42, dir.resolve("a"), 80);
    Simulation.Result b = Simulation.run(42, dir.resolve("b"), 80);
    System.out.println(a);
    assertThat(b).isEqualTo(a);
    assertThat(Simulation.run(43, dir.resolve("c"), 80).trace()).isNotEqualTo(a.trace());
  }
}
