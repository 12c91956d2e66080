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
  static final int STEPS = 16;

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
  void thousandSeeds_holdEveryInvariant() throws Exception {
    long first = System.nanoTime() & 0xffffffffL;
    System.out.println("seeds " + first + " .. " + (first + SEEDS - 1));
    SeedRunner.Summary s = SeedRunner.run(first, SEEDS, Long.MAX_VALUE, STEPS, 2, r -> { });
    System.out.printf("%d seeds x %d steps in %.1f s on 2 threads (%.0f seeds/minute): %d faults, %d damaged entries "
        + "rejected, %d capture crashes, %d power losses, %d range repairs, %d resnapshots, %d store damages, "
        + "%d dropped changes%n", s.seeds(), STEPS,
        s.seconds(), s.seedsPerMinute(), s.faults(), s.rejectedEntries(), s.captureCrashes(), s.powerLosses(),
        s.repairs(), s.resnapshots(), s.storeDamages(), s.droppedChanges());
    if (s.failure().isPresent()) {
      throw s.failure().get();
    }
    assertThat(s.seeds()).isEqualTo(SEEDS);
    assertThat(s.faults()).isPositive();
    assertThat(s.rejectedEntries()).isPositive();
    assertThat(s.repairs()).isPositive();
    assertThat(s.resnapshots()).as("repairs that had to start from a snapshot because retention removed the range")
        .isPositive();
    assertThat(s.captureCrashes()).isPositive();
    assertThat(s.powerLosses()).isPositive();
    assertThat(s.storeDamages()).as("rows damaged in the replica's store, found and repaired by digests").isPositive();
    assertThat(s.droppedChanges()).as("changes dropped on the apply path, found and repaired by digests").isPositive();
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
