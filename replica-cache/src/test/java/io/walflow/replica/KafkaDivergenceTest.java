package io.walflow.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.DigestSettings;
import io.walflow.ingest.Durability;
import io.walflow.ingest.KafkaSettings;
import io.walflow.ingest.capture.SqliteOracle;
import io.walflow.replica.http.HttpSettings;
import io.walflow.replica.repair.LogRangeClient;
import io.walflow.replica.repair.LogRangeServer;
import io.walflow.replica.source.KafkaSource;
import io.walflow.testkit.KafkaFixture;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Digest entries through a real Kafka broker: entries of 2^17 buckets (1 MiB a table, cut into
 * record fragments) reach a replica consuming the topic, which compares them and repairs a change
 * lost on its way in from the capture node.
 */
class KafkaDivergenceTest {
  @TempDir Path dir;

  @Test
  void fragmentedDigestEntries_areComparedAndALostChangeRepaired() throws Exception {
    String bootstrap = KafkaFixture.bootstrap();
    String topic = "walflow.test." + UUID.randomUUID().toString().substring(0, 8);
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    long seed = Long.getLong("seed", System.nanoTime());
    System.out.println("KafkaDivergenceTest seed " + seed);
    Random rnd = new Random(seed);
    DigestSettings digests = new DigestSettings(50, Duration.ofMillis(500), 1 << 17);
    try (Connection w = SqliteOracle.open(db)) {
      DivergenceRepairTest.prepare(w);
      try (Capture c = Capture.start(CaptureConfig.defaults(data).withDatabase("app", db)
              .withKafka(KafkaSettings.defaults(bootstrap).withTopic(topic).withPartitions(2, (short) 1))
              .withDurability(Durability.KAFKA), digests);
          LogRangeServer server = LogRangeServer.start(data, HttpSettings.open(0));
          Replica r = Replica.open(ReplicaConfig.of("eu", dir.resolve("replica")))) {
        c.awaitDurable("app", 0).get(60, TimeUnit.SECONDS);
        r.start(new DivergenceRepairTest.MappedSource(new KafkaSource(bootstrap, topic, "eu"),
            i -> List.of(DivergenceRepairTest.dropFirstRowChange(i, 40))),
            Optional.of(new LogRangeClient(server.baseUrl(), Optional.empty())));
        int txn = 0;
        while (txn < 120) {
          DivergenceRepairTest.write(w, rnd, ++txn);
        }
        c.awaitDurable("app", txn).get(90, TimeUnit.SECONDS);
        DivergenceRepairTest.awaitEqual(r, db, data, txn, "a lost change, through Kafka");
        DivergenceStats s = r.status().databases().get("app").divergence();
        assertThat(s.digestsCompared()).isPositive();
        assertThat(s.bucketsRepaired()).as("seed %d", seed).isPositive();
        assertThat(s.ignored()).isZero();
        assertThat(s.failures()).isZero();
        assertThat(r.status().databases().get("app").state()).isEqualTo(ApplyState.OK);
      }
    }
  }
}
