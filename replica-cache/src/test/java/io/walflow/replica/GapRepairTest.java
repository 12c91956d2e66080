package io.walflow.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.LogReader;
import io.walflow.ingest.capture.SqliteOracle;
import io.walflow.replica.http.HttpSettings;
import io.walflow.replica.repair.LogRangeClient;
import io.walflow.replica.repair.LogRangeServer;
import io.walflow.replica.repair.RangeGoneException;
import io.walflow.replica.repair.RepairException;
import io.walflow.replica.source.EntrySource;
import io.walflow.replica.source.LocalLogSource;
import io.walflow.replica.source.SourceItem;
import io.walflow.replica.verify.ReplicaView;
import io.walflow.replica.verify.Verifier;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gap repair against a real capture node: entries lost in transit are fetched from the capture
 * node's log endpoint; a range the log no longer holds (removed by retention) makes the replica
 * bootstrap the database again from the newest snapshot; a malformed answer is never applied.
 */
class GapRepairTest {
  @TempDir Path dir;

  /** A source that loses the entries {@code drop} matches, as a lossy transport would. */
  static final class LossySource implements EntrySource {
    final EntrySource inner;
    final Predicate<LogEntry> drop;

    LossySource(EntrySource inner, Predicate<LogEntry> drop) {
      this.inner = inner;
      this.drop = drop;
    }

    @Override
    public void begin(boolean replicaEmpty) {
      inner.begin(replicaEmpty);
    }

    @Override
    public List<SourceItem> poll(Duration timeout) throws InterruptedException {
      return inner.poll(timeout).stream()
          .filter(i -> !(i instanceof SourceItem.Entry e && drop.test(e.entry()))).toList();
    }

    @Override
    public void commit(Collection<Object> pending) {
      inner.commit(pending);
    }

    @Override
    public Optional<List<LogEntry>> reread(String db, long fromLsn, long toLsn, java.time.Instant since, Object before) {
      return inner.reread(db, fromLsn, toLsn, since, before); // what was lost on the way is still at the source
    }

    @Override
    public String describe() {
      return "lossy " + inner.describe();
    }

    @Override
    public void close() {
      inner.close();
    }
  }

  @Test
  void entriesLostInTransit_areFetchedFromTheCaptureNode() throws Exception {
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    CapturedReplicaTest.App app = new CapturedReplicaTest.App(seed);
    Set<Long> lost = Set.of(30L, 31L, 32L, 90L);
    try (Connection w = SqliteOracle.open(db);
        Capture c = CapturedReplicaTest.start(data, db, w);
        LogRangeServer server = LogRangeServer.start(data, HttpSettings.secured(0, Set.of("k3y")));
        Replica r = Replica.open(ReplicaConfig.of("eu", dir.resolve("replica")))) {
      r.start(new LossySource(new LocalLogSource(data), e -> e instanceof LogEntry.Commit && lost.contains(e.lsn())),
          Optional.of(new LogRangeClient(server.baseUrl(), Optional.of("k3y"))));
      for (int i = 0; i < 150; i++) {
        app.transaction(w);
      }
      long end = CapturedReplicaTest.durableAt(c, app.txn);
      assertThat(r.awaitLsn("app", end).get(60, TimeUnit.SECONDS)).isEqualTo(end);
      DatabaseStatus s = settled(r);
      assertThat(s.state()).isEqualTo(ApplyState.OK);
      assertThat(s.repair().gapsRepaired()).as("gaps 30..32 and 90").isEqualTo(2);
      assertThat(s.repair().entriesFetched()).isEqualTo(4);
      assertThat(s.repair().bytesFetched()).isPositive();
      assertThat(s.repair().resnapshots()).isZero();
      assertThat(Verifier.verify(db, Optional.of(data), ReplicaView.over(r), "app", Duration.ofSeconds(30), dir, 10).equal())
          .as("seed %d", seed).isTrue();

      LogRangeClient client = new LogRangeClient(server.baseUrl(), Optional.of("k3y"));
      assertThat(client.range("app", 10, 12).entries()).extracting(LogEntry::lsn).containsExactly(10L, 11L, 12L);
      assertThatThrownBy(() -> client.range("app", end + 1, end + 3)).isInstanceOf(RangeGoneException.class)
          .hasMessageContaining("no longer holds LSN " + (end + 1));
      assertThatThrownBy(() -> new LogRangeClient(server.baseUrl(), Optional.of("wrong")).range("app", 1, 2))
          .isInstanceOf(RepairException.class).hasMessageContaining("401");
      assertThatThrownBy(() -> client.range("app", 5, 2)).isInstanceOf(RepairException.class).hasMessageContaining("400");
    }
  }

  @Test
  void rangeRemovedByRetention_bootstrapsFromTheNewestSnapshot() throws Exception {
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    CapturedReplicaTest.App app = new CapturedReplicaTest.App(seed);
    Path replicaDir = dir.resolve("replica");
    CaptureConfig cfg = CaptureConfig.defaults(data).withDatabase("app", db)
        .withRetention(256 << 10, Duration.ZERO, "TEST_SECONDLY");
    try (Connection w = SqliteOracle.open(db)) {
      CapturedReplicaTest.App.prepare(w);
      try (Capture c = Capture.start(cfg);
          LogRangeServer server = LogRangeServer.start(data, HttpSettings.open(0))) {
        c.awaitDurable("app", 0).get(30, TimeUnit.SECONDS);
        LogRangeClient client = new LogRangeClient(server.baseUrl(), Optional.empty());
        long applied;
        try (Replica r = Replica.open(ReplicaConfig.of("eu", replicaDir))) {
          r.start(new LocalLogSource(data), Optional.of(client));
          for (int i = 0; i < 40; i++) {
            app.transaction(w);
          }
          applied = CapturedReplicaTest.durableAt(c, app.txn);
          assertThat(r.awaitLsn("app", applied).get(60, TimeUnit.SECONDS)).isEqualTo(applied);
        }
        // The replica is away while the log moves on and retention removes what it missed.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
        while (oldestLsn(data) <= applied + 1) {
          assertThat(System.nanoTime()).as("retention removed the start of the log (seed %d)", seed).isLessThan(deadline);
          for (int i = 0; i < 30; i++) {
            app.load.transaction(w);
            app.txn++;
          }
          CapturedReplicaTest.durableAt(c, app.txn);
          c.retain();
        }
        long end = CapturedReplicaTest.durableAt(c, app.txn);
        // Back, through a transport that lost the snapshots (a truncated topic's commits only).
        try (Replica r = Replica.open(ReplicaConfig.of("eu", replicaDir))) {
          assertThat(r.lsn("app")).isEqualTo(applied);
          r.start(new LossySource(new LocalLogSource(data), e -> e instanceof LogEntry.Snapshot), Optional.of(client));
          assertThat(r.awaitLsn("app", end).get(60, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(end);
          DatabaseStatus s = settled(r);
          assertThat(s.state()).isEqualTo(ApplyState.OK);
          assertThat(s.repair().resnapshots()).isEqualTo(1);
          assertThat(s.snapshotLsn()).isGreaterThan(applied);
          assertThat(Verifier.verify(db, Optional.empty(), ReplicaView.over(r), "app", Duration.ofSeconds(30), dir, 10).equal())
              .as("seed %d", seed).isTrue();
        }
      }
    }
  }

  /**
   * The replica's status once its repair has finished: the watermark can reach the awaited LSN
   * a moment before the repair that carried it there marks the database OK again.
   */
  private static DatabaseStatus settled(Replica r) {
    return Awaitility.await("the repair to finish").atMost(30, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(20))
        .until(() -> r.status().databases().get("app"), s -> s.state() == ApplyState.OK);
  }

  private static long oldestLsn(Path data) throws Exception {
    try (LogReader reader = LogReader.open(data).toStart()) {
      return reader.next(Optional.of("app"), 0).map(r -> r.entry().lsn()).orElse(-1L);
    }
  }
}
