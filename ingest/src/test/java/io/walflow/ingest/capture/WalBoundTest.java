package io.walflow.ingest.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.DatabaseStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Capture always holds a read transaction, which stops SQLite's autocheckpoint from restarting the
 * WAL; capture's own checkpoints must keep the WAL bounded under a writer that never pauses.
 */
class WalBoundTest {
  @TempDir Path dir;

  @Test
  void steadyWriter_walRestartsAndStaysBounded() throws Exception {
    Path db = dir.resolve("app.db");
    CaptureConfig cfg = CaptureConfig.defaults(dir.resolve("data")).withDatabase("app", db).withCheckpoints(1000, 8 << 20);
    try (Connection w = SqliteOracle.open(db)) {
      // A busy application (~10k transactions/s at most), not a tight loop.
      Load load = write(w, db, cfg, 6, true);
      assertThat(load.stats().walRestarts()).as("WAL generations seen").isGreaterThan(2);
      assertThat(load.stats().checkpoints()).isPositive();
      // ~2.5 frames of 4 KiB per transaction: without restarts the WAL would hold every one of them.
      // The WAL can restart only behind capture's read position, so on a loaded machine where capture
      // lags the writer by seconds the peak grows with that lag (53 MiB of 113 MiB seen with the
      // load average at 7); restarting again and again is what shows it bounded.
      long unbounded = load.txns() * 2 * 4096;
      assertThat(load.maxWal()).isLessThan(Math.max(64L << 20, unbounded / 2));
      assertLogRebuilds(w, load.txns());
    }
  }

  /**
   * A writer that commits as fast as it can outruns capture on a 2-core machine. No checkpoint can
   * restart the WAL before capture has read all of it, so the WAL grew for as long as the writer
   * kept its pace (889 MB in 5 s with a separate writer process). Past {@code truncateBytes} capture
   * now holds the writer while it reads on: the WAL stays within a few times that bound, and the
   * log still rebuilds the database.
   */
  @Test
  void writerFasterThanCapture_isHeldBack_walStaysBounded() throws Exception {
    Path db = dir.resolve("app.db");
    long bound = 8 << 20;
    CaptureConfig cfg = CaptureConfig.defaults(dir.resolve("data")).withDatabase("app", db).withCheckpoints(1000, bound);
    try (Connection w = SqliteOracle.open(db)) {
      Load load = write(w, db, cfg, 5, false);
      // ~2.5 frames of 4 KiB per transaction: 300-400 MB of frames in 5 s here. Before, the WAL
      // reached 79-638 MB; now 27-52 MB: the bound is crossed by what the writer adds while
      // capture's checkpoint copies the WAL back.
      assertThat(load.maxWal()).isLessThan(12 * bound);
      assertLogRebuilds(w, load.txns());
    }
  }

  /** What a load wrote: transactions, the largest WAL file seen, capture's stats once all was durable. */
  private record Load(long txns, long maxWal, DatabaseStats stats) {}

  /**
   * Runs single-row transactions for {@code seconds} with capture running, pausing 1 ms every 20
   * when {@code paced}, and waits until capture has made all of them durable.
   */
  private Load write(Connection w, Path db, CaptureConfig cfg, int seconds, boolean paced) throws Exception {
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    Workload.prepare(w, 4096, 1000);
    Workload load = new Workload(seed, 1, Workload.AppCheckpoint.NONE, 1);
    long txns = 0;
    long maxWal = 0;
    try (Capture c = Capture.start(cfg)) {
      c.awaitDurable("app", 0).get(30, TimeUnit.SECONDS);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < end) {
        load.transaction(w);
        txns++;
        if (paced && txns % 20 == 0) {
          Thread.sleep(1);
        }
        if (txns % 50 == 0) {
          maxWal = Math.max(maxWal, Files.size(Path.of(db + "-wal")));
        }
      }
      c.awaitDurable("app", txns).get(60, TimeUnit.SECONDS);
      DatabaseStats s = c.stats().get(0);
      System.out.println("txns " + txns + ", max WAL " + maxWal + " bytes, " + s);
      return new Load(txns, maxWal, s);
    }
  }

  private void assertLogRebuilds(Connection w, long txns) throws Exception {
    Path out = LogAssertions.replay(dir.resolve("data"), "app", txns, dir.resolve("out.db"));
    assertThat(SqliteOracle.contents(out)).isEqualTo(SqliteOracle.contents(w));
  }
}
