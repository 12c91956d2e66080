package io.walflow.replica.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** 1,000 seeds of the deterministic simulation; a seed replays exactly. */
class SimulationTest {
  @TempDir Path dir;

  @Test
  void thousandSeeds_holdEveryInvariant() {
    long first = System.nanoTime() & 0xffffffffL;
    System.out.println("seeds " + first + " .. " + (first + 999));
    long faults = 0;
    long repairs = 0;
    long resnapshots = 0;
    long restarts = 0;
    long started = System.nanoTime();
    for (long s = first; s < first + 1000; s++) {
      Path d = dir.resolve(Long.toString(s));
      Simulation.Result r = Simulation.run(s, d, 40);
      Simulation.deleteTree(d);
      faults += r.faults();
      repairs += r.repairs();
      resnapshots += r.resnapshots();
      restarts += r.restarts();
    }
    double secs = (System.nanoTime() - started) / 1e9;
    System.out.printf("1000 seeds in %.1f s: %d faults, %d restarts, %d range repairs, %d resnapshots%n", secs, faults,
        restarts, repairs, resnapshots);
    assertThat(faults).isPositive();
    assertThat(repairs).isPositive();
    assertThat(resnapshots).isPositive();
    assertThat(restarts).isPositive();
  }

  @Test
  void aSeedReplaysExactly() {
    Simulation.Result a = Simulation.run(42, dir.resolve("a"), 60);
    Simulation.Result b = Simulation.run(42, dir.resolve("b"), 60);
    assertThat(b).isEqualTo(a);
  }
}
