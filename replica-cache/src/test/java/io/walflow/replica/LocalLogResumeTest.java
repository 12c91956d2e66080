package io.walflow.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.Capture;
import io.walflow.ingest.capture.SqliteOracle;
import io.walflow.replica.source.LocalLogSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica of the local log ({@code --from-log}) restarts from the position it saved in its store,
 * not from the start of the log, and still converges to SQLite's exact content.
 */
class LocalLogResumeTest {
  @TempDir Path dir;

  @Test
  void restartedReplica_resumesAtItsSavedPosition_andConverges() throws Exception {
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    Path replicaDir = dir.resolve("eu");
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    try (Connection w = SqliteOracle.open(db); Capture c = CapturedReplicaTest.start(data, db, w)) {
      CapturedReplicaTest.App app = new CapturedReplicaTest.App(seed);
      try (Replica r = Replica.open(ReplicaConfig.of("eu", replicaDir))) {
        r.start(new LocalLogSource(data));
        assertThat(r.status().source()).doesNotContain("resumed");
        for (int i = 0; i < 150; i++) {
          app.transaction(w);
        }
        long end = CapturedReplicaTest.durableAt(c, app.txn);
        assertThat(r.awaitLsn("app", end).get(60, TimeUnit.SECONDS)).isEqualTo(end);
      }
      // Saved at most every 200 ms, the position may be older than the last applied entry: what is
      // read again is skipped by LSN.
      for (int i = 0; i < 150; i++) {
        app.transaction(w); // written while the replica is down
      }
      long end = CapturedReplicaTest.durableAt(c, app.txn);
      try (Replica r = Replica.open(ReplicaConfig.of("eu", replicaDir))) {
        r.start(new LocalLogSource(data));
        assertThat(r.awaitLsn("app", end).get(60, TimeUnit.SECONDS)).isEqualTo(end);
        assertThat(r.status().source()).contains("resumed at queue index 0x");
        assertThat(r.status().databases().get("app").state()).isEqualTo(ApplyState.OK);
        SqliteTables.assertSame(r, "app", db, "after resuming at the saved position (seed " + seed + ")");
      }
    }
  }
}
