package io.walflow.dataflow;

import io.walflow.ingest.change.Value;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parallelism (issue point 6): with 1 to 4 worker threads, transactions large enough to be sharded
 * (hundreds of row changes) go through aggregates and top-k (sharded by group), DISTINCT (by row),
 * filters and projections (split anywhere) and readers (by lookup key); after every commit each
 * view equals SQLite at that commit, full and partial.
 */
class ShardingTest {
  @TempDir Path dir;

  static final Map<String, String> VIEWS = Map.of(
      "counts", MigrationTest.COUNTS,
      "big", MigrationTest.BIG,
      "distinct", "SELECT DISTINCT v FROM t WHERE k < 250",
      "byk", "SELECT id, v * 2 AS w FROM t WHERE k = ? AND v > 10",
      "sumbyk", "SELECT k, SUM(v) AS s, MIN(v) AS lo, COUNT(DISTINCT v) AS d FROM t WHERE k = ? GROUP BY k",
      "top", "SELECT id, v FROM t WHERE k = ? ORDER BY v DESC, id LIMIT 3",
      "topall", "SELECT id, v FROM t ORDER BY v DESC, id LIMIT 5");

  @Test
  void largeTransactionsOnOneToFourThreads_equalSqliteAfterEveryCommit() throws Exception {
    long seed = new Random().nextLong();
    System.out.println("sharding seed " + seed);
    for (int threads = 1; threads <= 4; threads++) {
      for (boolean partial : new boolean[] {false, true}) {
        try (Dataflow d = Dataflow.open(DataflowConfig.defaults(dir.resolve("e" + threads + partial))
            .withWorkerThreads(threads).withPartialState(partial));
            MigrationTest.Source src = new MigrationTest.Source(d, seed, 5_000, 300)) {
          for (Map.Entry<String, String> v : VIEWS.entrySet()) {
            d.createView(v.getKey(), v.getValue());
          }
          for (int txn = 0; txn < 12; txn++) {
            src.commit();
            for (Map.Entry<String, String> v : VIEWS.entrySet()) {
              if (v.getValue().contains("?")) {
                for (long k : new long[] {0, 3, 250, 499, 515}) {
                  src.check(v.getKey(), v.getValue(), Value.of(k));
                }
              } else {
                src.check(v.getKey(), v.getValue());
              }
            }
          }
        }
      }
    }
  }
}
