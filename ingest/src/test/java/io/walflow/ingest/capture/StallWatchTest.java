package io.walflow.ingest.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.wal.WalCommit;
import io.walflow.ingest.wal.WalHeader;
import io.walflow.ingest.wal.WalIndex;
import io.walflow.ingest.wal.WalPosition;
import io.walflow.ingest.wal.WalScanner;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StallWatch} on a real SQLite database's WAL and wal-index: a position behind SQLite's
 * count is a stall only when it has not moved between two checks a second apart; reported once;
 * over when the position reaches the count. Time is passed in, so nothing here depends on timing.
 */
class StallWatchTest {
  @TempDir Path dir;

  private static final long SECOND = StallWatch.CHECK_NANOS;

  @Test
  void behindWithoutMoving_isOneStall_untilCaughtUp() throws Exception {
    Path db = dir.resolve("app.db");
    try (Connection w = SqliteOracle.open(db); Statement st = w.createStatement()) {
      Workload.prepare(w, 4096, 0);
      FileChannel shm = FileChannel.open(Path.of(db + "-shm"), StandardOpenOption.READ);
      for (int i = 0; i < 5; i++) {
        st.execute("INSERT INTO t(k, v) VALUES (" + i + ", randomblob(50))");
      }
      WalHeader header;
      List<WalPosition> commits = new ArrayList<>();
      try (FileChannel ch = FileChannel.open(Path.of(db + "-wal"), StandardOpenOption.READ)) {
        header = WalScanner.readHeader(ch, "app").orElseThrow();
        for (WalCommit c : new WalScanner(ch, header, "app").scan(WalPosition.start(header), 100)) {
          commits.add(c.end());
        }
      }
      Optional<WalIndex> index = WalIndex.read(shm);
      WalPosition end = commits.get(commits.size() - 1);
      WalPosition behind = commits.get(commits.size() - 3);
      long framesBehind = (end.offset() - behind.offset()) / header.frameSize();
      StallWatch watch = new StallWatch("app");
      long t = 1_000;

      assertThat(watch.check(t, index, header, end)).isEqualTo(new StallWatch.Verdict(0, Optional.empty()));
      assertThat(watch.due(t + SECOND - 1)).isFalse();
      assertThat(watch.due(t + SECOND)).isTrue();

      // Behind, then behind a second later but having moved: catching up, not stalled.
      assertThat(watch.check(t += SECOND, index, header, commits.get(0)).newStall()).isEmpty();
      StallWatch.Verdict moving = watch.check(t += SECOND, index, header, behind);
      assertThat(moving.framesBehind()).isEqualTo(framesBehind);
      assertThat(moving.newStall()).isEmpty();
      assertThat(watch.stalled()).isFalse();

      // Not moving for a second while SQLite counts more: a stall, said once.
      StallWatch.Verdict stall = watch.check(t += SECOND, index, header, behind);
      assertThat(stall.framesBehind()).isEqualTo(framesBehind);
      assertThat(stall.newStall().orElseThrow())
          .contains("capture of 'app' is stalled", "counts " + index.orElseThrow().maxFrame() + " committed WAL frames",
              "WAL offset " + behind.offset(), "for 1 s");
      assertThat(watch.stalled()).isTrue();
      assertThat(watch.check(t += SECOND, index, header, behind).newStall()).isEmpty();
      assertThat(watch.stalled()).isTrue();

      // Caught up: the episode is over.
      assertThat(watch.check(t += SECOND, index, header, end)).isEqualTo(new StallWatch.Verdict(0, Optional.empty()));
      assertThat(watch.stalled()).isFalse();

      // No wal-index to read: unknown, never a stall.
      assertThat(watch.check(t += SECOND, Optional.empty(), header, behind)).isEqualTo(StallWatch.Verdict.UNKNOWN);

      // A generation capture has not followed, with committed frames, is behind by all of them.
      st.execute("PRAGMA wal_checkpoint(TRUNCATE)");
      st.execute("INSERT INTO t(k, v) VALUES (99, x'00')");
      WalIndex next = WalIndex.read(shm).orElseThrow();
      assertThat(next.inGeneration(header)).isFalse();
      assertThat(StallWatch.framesBehind(next, header, end)).isEqualTo(next.maxFrame()).isPositive();
      w.close();
      shm.close(); // after the connection: closing it releases the process's locks on the file
    }
  }
}
