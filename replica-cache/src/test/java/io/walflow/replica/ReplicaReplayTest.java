package io.walflow.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walflow.ingest.Capture;
import io.walflow.ingest.Replay;
import io.walflow.ingest.capture.SqliteOracle;
import io.walflow.replica.replay.ReplicaReplay;
import io.walflow.replica.verify.Report;
import io.walflow.replica.verify.ReplicaView;
import io.walflow.replica.verify.SourceDatabase;
import io.walflow.replica.verify.Verifier;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A replica rebuilt from the log at an LSN in the middle (schema changes included) and at the end equals the source there. */
class ReplicaReplayTest {
  @TempDir Path dir;

  @Test
  void rebuildsAReplica_atAnyLsn_verified() throws Exception {
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    CapturedReplicaTest.App app = new CapturedReplicaTest.App(seed);
    long end;
    try (Connection w = SqliteOracle.open(db); Capture c = CapturedReplicaTest.start(data, db, w)) {
      for (int i = 0; i < 250; i++) {
        app.transaction(w);
      }
      end = CapturedReplicaTest.durableAt(c, app.txn);
    }
    Path replicaDir = dir.resolve("replica");
    List<long[]> progress = new ArrayList<>();
    ReplicaReplay.Result mid = ReplicaReplay.toReplica(data, "app", OptionalLong.of(150), replicaDir, true,
        (reached, first, last) -> progress.add(new long[] {reached, first, last}));
    assertThat(mid.lsn()).isEqualTo(150);
    assertThat(mid.snapshotLsn()).isZero();
    assertThat(mid.commits()).isEqualTo(150);
    Report v = mid.verification().orElseThrow();
    assertThat(v.differences()).as("seed %d", seed).isEmpty();
    assertThat(v.equal()).isTrue();
    assertThat(v.tables()).as("t and people (extra is created at txn 200)").isEqualTo(2);
    assertThat(progress).isNotEmpty();
    assertThat(progress.get(progress.size() - 1)[0]).isEqualTo(150);

    ReplicaReplay.Result last = ReplicaReplay.toReplica(data, "app", OptionalLong.empty(), replicaDir, false, (a, b, x) -> { });
    assertThat(last.lsn()).isEqualTo(end);
    assertThat(last.verification()).isEmpty();
    try (Replica r = Replica.open(ReplicaConfig.of("eu", replicaDir))) {
      assertThat(r.lsn("app")).isEqualTo(end);
      Report live = Verifier.compare(SourceDatabase.read(db, true), ReplicaView.over(r), "app", end, -1, 10);
      assertThat(live.equal()).as("seed %d: %s", seed, live.differences()).isTrue();
    }
    assertThatThrownBy(() -> ReplicaReplay.toReplica(data, "app", OptionalLong.of(end + 5), replicaDir, false, (a, b, x) -> { }))
        .isInstanceOf(Replay.UnreachableLsnException.class).hasMessageContaining("ends at LSN " + end);
  }
}
