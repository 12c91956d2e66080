package io.walflow.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.walflow.ingest.Capture;
import io.walflow.ingest.capture.SqliteOracle;
import io.walflow.replica.source.LocalLogSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica on a disk that fills up: its free-space floor is set just below the real free space
 * of the file system, then a ballast file (real blocks) takes the space. The database pauses in
 * state {@code disk_full} with the reason, loses nothing, and applies everything once the ballast
 * is deleted; the replica then equals SQLite.
 */
class ReplicaDiskFullTest {
  /** The floor sits this far below the free space at the start... */
  private static final long MARGIN = 512L << 20;
  /** ...and the ballast takes this much, so other processes' disk use cannot decide the outcome. */
  private static final long BALLAST = 1L << 30;

  @TempDir Path dir;

  @Test
  void fullDisk_pausesTheDatabase_losesNothing_resumesWhenSpaceIsBack() throws Exception {
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    try (Connection w = SqliteOracle.open(db); Capture c = CapturedReplicaTest.start(data, db, w)) {
      CapturedReplicaTest.App app = new CapturedReplicaTest.App(seed);
      for (int i = 0; i < 50; i++) {
        app.transaction(w);
      }
      long before = CapturedReplicaTest.durableAt(c, app.txn);
      long floor = Files.getFileStore(dir).getUsableSpace() - MARGIN;
      try (Replica r = Replica.open(ReplicaConfig.of("eu", dir.resolve("eu")).withMinFreeDiskBytes(floor))) {
        r.start(new LocalLogSource(data));
        assertThat(r.awaitLsn("app", before).get(60, TimeUnit.SECONDS)).isEqualTo(before);

        Path ballast = dir.resolve("ballast");
        fill(ballast, BALLAST);
        for (int i = 0; i < 50; i++) {
          app.transaction(w);
        }
        long end = CapturedReplicaTest.durableAt(c, app.txn);
        await().atMost(Duration.ofSeconds(60))
            .until(() -> r.status().databases().get("app").state() == ApplyState.DISK_FULL);
        DatabaseStatus full = r.status().databases().get("app");
        assertThat(full.reason().orElseThrow()).contains("disk full").contains("below the floor")
            .contains("applying paused after LSN " + before);
        assertThat(r.lsn("app")).isEqualTo(before);

        Files.delete(ballast);
        assertThat(r.awaitLsn("app", end).get(60, TimeUnit.SECONDS)).isEqualTo(end);
        assertThat(r.status().databases().get("app").state()).isEqualTo(ApplyState.OK);
        assertThat(r.status().databases().get("app").reason()).isEmpty();
        SqliteTables.assertSame(r, "app", db, "after the disk had space again (seed " + seed + ")");
      }
    }
  }

  /** Writes {@code bytes} of real data (not a sparse file), and forces it to disk. */
  private static void fill(Path file, long bytes) throws IOException {
    ByteBuffer chunk = ByteBuffer.allocate(8 << 20);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      for (long written = 0; written < bytes; written += chunk.capacity()) {
        chunk.clear();
        while (chunk.hasRemaining()) {
          ch.write(chunk);
        }
      }
      ch.force(false);
    }
  }
}
