package io.walflow.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.capture.SqliteOracle;
import io.walflow.ingest.wal.WalIndex;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replica tests wait for LSN {@code app.txn}: every transaction of {@link CapturedReplicaTest.App}
 * must commit to the WAL, which SQLite's wal-index change counter shows (a transaction that writes
 * no page leaves it as it is, and gets no LSN from capture). Seed 38630587029718 replaced a row by
 * the same values at transaction 210 and stalled KafkaReplicaTest waiting for LSN 600 of 599.
 */
class AppWorkloadTest {
  @TempDir Path dir;

  @Test
  void everyTransactionCommitsToTheWal() throws Exception {
    for (long seed : new long[] {38630587029718L, System.nanoTime()}) {
      System.out.println("seed " + seed);
      Path db = dir.resolve("app-" + seed + ".db");
      try (Connection w = SqliteOracle.open(db)) {
        CapturedReplicaTest.App.prepare(w);
        // Kept open until the connection is closed: closing it would release SQLite's locks on it.
        FileChannel shm = FileChannel.open(Path.of(db + "-shm"), StandardOpenOption.READ);
        CapturedReplicaTest.App app = new CapturedReplicaTest.App(seed);
        int before = WalIndex.read(shm).orElseThrow().changeCounter();
        for (int i = 0; i < 600; i++) {
          app.transaction(w);
          int now = WalIndex.read(shm).orElseThrow().changeCounter();
          assertThat(now).as("wal-index change counter after transaction %d (seed %d)", app.txn, seed)
              .isNotEqualTo(before);
          before = now;
        }
        w.close();
        shm.close();
      }
    }
  }
}
