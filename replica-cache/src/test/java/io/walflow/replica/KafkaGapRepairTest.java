package io.walflow.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.Durability;
import io.walflow.ingest.KafkaSettings;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.capture.SqliteOracle;
import io.walflow.replica.source.KafkaSource;
import io.walflow.testkit.KafkaFixture;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against the real broker: entries lost between Kafka and the replica (a lossy transport drops
 * them on delivery) are read again from their partition — no capture-node endpoint, no snapshot —
 * and the replica equals SQLite.
 */
class KafkaGapRepairTest {
  @TempDir Path dir;

  @Test
  void entriesDroppedInTransit_areReadAgainFromKafka() throws Exception {
    String bootstrap = KafkaFixture.bootstrap();
    String topic = "walflow.test." + UUID.randomUUID().toString().substring(0, 8);
    Path db = dir.resolve("app.db");
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    Set<Long> lost = Set.of(30L, 31L, 32L, 90L);
    try (Connection w = SqliteOracle.open(db)) {
      CapturedReplicaTest.App.prepare(w);
      try (Capture c = Capture.start(CaptureConfig.defaults(dir.resolve("data")).withDatabase("app", db)
              .withKafka(KafkaSettings.defaults(bootstrap).withTopic(topic).withPartitions(2, (short) 1))
              .withDurability(Durability.KAFKA));
          Replica r = Replica.open(ReplicaConfig.of("eu", dir.resolve("eu")))) {
        c.awaitDurable("app", 0).get(60, TimeUnit.SECONDS);
        r.start(new GapRepairTest.LossySource(new KafkaSource(bootstrap, topic, "eu"),
            e -> e instanceof LogEntry.Commit && lost.contains(e.lsn())));
        CapturedReplicaTest.App app = new CapturedReplicaTest.App(seed);
        for (int i = 0; i < 150; i++) {
          app.transaction(w);
        }
        long end = CapturedReplicaTest.durableAt(c, app.txn);
        assertThat(r.awaitLsn("app", end).get(90, TimeUnit.SECONDS)).isEqualTo(end);
        DatabaseStatus s = r.status().databases().get("app");
        assertThat(s.state()).isEqualTo(ApplyState.OK);
        assertThat(s.repair().gapsRepaired()).as("gaps 30..32 and 90").isEqualTo(2);
        assertThat(s.repair().entriesFetched()).isEqualTo(4);
        assertThat(s.repair().resnapshots()).isZero();
        SqliteTables.assertSame(r, "app", db, "after gaps read again from Kafka (seed " + seed + ")");
      }
    }
  }
}
