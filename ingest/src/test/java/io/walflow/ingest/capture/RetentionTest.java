package io.walflow.ingest.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.LogEntry;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Under a long write load, old log files go once later snapshots cover them; the log still rebuilds the database. */
class RetentionTest {
  private static final long BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  @TempDir Path dir;

  @Test
  void oldCyclesRemovedOnlyBehindSnapshots_diskStaysBounded() throws Exception {
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    CaptureConfig cfg = CaptureConfig.defaults(data).withDatabase("app", db)
        .withRetention(512 << 10, Duration.ZERO, "TEST_SECONDLY");
    List<Long> sizes = new ArrayList<>();
    int deleted = 0;
    try (Connection w = SqliteOracle.open(db)) {
      Workload.prepare(w, 4096, 1000);
      Workload load = new Workload(seed, 20, Workload.AppCheckpoint.NONE, 1);
      long txns = 0;
      try (Capture c = Capture.start(cfg)) {
        c.awaitDurable("app", 0).get(30, TimeUnit.SECONDS);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
        // Paced to at most 250 transactions/s: the bytes each secondly cycle holds (and so the
        // bound below) must not depend on how fast this machine writes.
        long next = System.nanoTime();
        while (System.nanoTime() < end) {
          next += BATCH_NANOS;
          LockSupport.parkNanos(next - System.nanoTime());
          for (int i = 0; i < 50; i++) {
            load.transaction(w);
            txns++;
          }
          c.awaitDurable("app", txns).get(30, TimeUnit.SECONDS);
          deleted += c.retain().size();
          sizes.add(logBytes(data));
        }
        deleted += c.retain().size();
      }
      assertThat(deleted).as("log files removed").isPositive();
      // Bounded: the log never holds much more than the last snapshot interval and a cycle or two.
      long max = sizes.stream().mapToLong(Long::longValue).max().orElseThrow();
      long written = sizes.get(sizes.size() - 1);
      System.out.println("log bytes max " + max + ", files removed " + deleted + ", txns " + txns);
      // Without retention one file per second would accumulate; with it, only the files from the
      // oldest snapshot still needed onwards remain.
      assertThat(cycleFiles(data)).isLessThanOrEqualTo(4);
      // Each Chronicle cycle file maps (and may touch) up to a 64 MiB block: a few files' worth.
      assertThat(max).isLessThan(8 * (64L << 20));
      List<LogEntry> entries = LogAssertions.entries(data, "app");
      // The oldest file kept may begin with a few commits before the snapshot it is kept for.
      LogEntry firstSnapshot = entries.stream().filter(e -> e instanceof LogEntry.Snapshot).findFirst().orElseThrow();
      assertThat(firstSnapshot.lsn()).as("the snapshot at LSN 0 was removed with its file").isPositive();
      assertThat(entries.get(0).lsn()).isPositive();
      Path out = LogAssertions.replay(data, "app", txns, dir.resolve("out.db"));
      assertThat(SqliteOracle.contents(out)).isEqualTo(SqliteOracle.contents(w));
      assertThat(written).isPositive();
    }
  }

  private static long cycleFiles(Path data) throws Exception {
    try (var s = java.nio.file.Files.list(data.resolve("log"))) {
      return s.filter(p -> p.toString().endsWith(".cq4")).count();
    }
  }

  /** Bytes the log's files occupy on disk (Chronicle's files are sparse: their length says little). */
  private static long logBytes(Path data) throws Exception {
    Process du = new ProcessBuilder("du", "-sk", data.resolve("log").toString()).redirectErrorStream(true).start();
    String out = new String(du.getInputStream().readAllBytes()).trim();
    du.waitFor();
    return Long.parseLong(out.split("\\s+")[0]) * 1024;
  }
}
