package io.walflow.dataflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.change.Value;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partial state below a partial reader (issue point 4): a join under a partial view holds only the
 * rows of keys that were read, on both sides (the side without the view's key holds just the join
 * keys those rows need); under a small memory bound keys are evicted and every answer stays equal
 * to SQLite.
 */
class LazyJoinTest {
  @TempDir Path dir;

  static final String JOIN = "SELECT a.id, a.v, b.id AS bid, b.v AS bv FROM t a JOIN t b ON a.v = b.k WHERE a.k = ?";
  static final String LEFT = "SELECT a.id, b.id AS bid FROM t a LEFT JOIN t b ON a.v = b.k AND b.v > 50 "
      + "WHERE a.k = ?";

  @Test
  void aPartialJoin_holdsOnlyWhatWasRead_onBothSides() throws Exception {
    try (Dataflow full = Dataflow.open(DataflowConfig.defaults(dir.resolve("full")).withPartialState(false));
        MigrationTest.Source fullSrc = new MigrationTest.Source(full, 5, 20_000, 6);
        Dataflow d = Dataflow.open(DataflowConfig.defaults(dir.resolve("partial")));
        MigrationTest.Source src = new MigrationTest.Source(d, 5, 20_000, 6)) {
      full.createView("j", JOIN);
      d.createView("j", JOIN);
      assertThat(d.stateBytes()).as("nothing is built before a read, not even the other join side").isZero();
      src.check("j", JOIN, Value.of(7L));
      long one = d.stateBytes();
      assertThat(one).isPositive();
      assertThat(one * 50).as("one key's join state vs the full join").isLessThan(full.stateBytes());
      for (int i = 0; i < 15; i++) {
        src.commit();
        fullSrc.commit();
        for (long k : new long[] {7, 12, 499}) {
          src.check("j", JOIN, Value.of(k));
          fullSrc.check("j", JOIN, Value.of(k));
        }
      }
    }
  }

  @Test
  void underASmallBound_keysAreEvicted_andEveryAnswerEqualsSqlite() throws Exception {
    long seed = new Random().nextLong();
    System.out.println("lazy join eviction seed " + seed);
    try (Dataflow d = Dataflow.open(DataflowConfig.defaults(dir.resolve("tiny")).withMemoryBound(2_000_000)
        .withWorkerThreads(2));
        MigrationTest.Source src = new MigrationTest.Source(d, seed, 20_000, 20)) {
      d.createView("j", JOIN);
      d.createView("l", LEFT);
      Random r = new Random(seed);
      for (int i = 0; i < 40; i++) {
        src.commit();
        for (int q = 0; q < 4; q++) {
          long k = r.nextInt(520);
          src.check("j", JOIN, Value.of(k));
          src.check("l", LEFT, Value.of(k));
        }
      }
      System.out.println("lazy join evictions: " + d.evictions() + ", upqueries: " + d.upqueries());
      assertThat(d.evictions()).isPositive();
      assertThat(d.partialStateBytes()).isLessThanOrEqualTo(2_000_000);
    }
  }
}
