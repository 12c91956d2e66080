package io.walflow.ingest.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.KafkaSettings;
import io.walflow.ingest.capture.SqliteOracle;
import io.walflow.ingest.capture.Workload;
import io.walflow.testkit.KafkaFixture;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention never deletes what Kafka has not acknowledged. */
class KafkaRetentionTest {
  @TempDir Path dir;

  @Test
  void whileKafkaIsUnreachable_retentionKeepsEverything_andALaterCapturePublishesItAll() throws Exception {
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort(); // nothing listens there once closed
    }
    String topic = "walflow-test-retention-" + Long.toHexString(System.nanoTime());
    CaptureConfig base = CaptureConfig.defaults(data).withDatabase("app", db)
        .withRetention(256 << 10, Duration.ZERO, "TEST_SECONDLY");
    long txns = 0;
    try (Connection w = SqliteOracle.open(db)) {
      Workload.prepare(w, 4096, 1000);
      Workload load = new Workload(11, 20, Workload.AppCheckpoint.NONE, 1);
      try (Capture c = Capture.start(base.withKafka(KafkaSettings.defaults("127.0.0.1:" + closedPort).withTopic(topic)))) {
        c.awaitDurable("app", 0).get(30, TimeUnit.SECONDS);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
        while (System.nanoTime() < end) {
          for (int i = 0; i < 50; i++) {
            load.transaction(w);
            txns++;
          }
          c.awaitDurable("app", txns).get(30, TimeUnit.SECONDS);
          assertThat(c.retain()).as("files removed while Kafka has acknowledged nothing").isEmpty();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> c.kafkaProblem().isPresent());
        assertThat(c.kafkaProblem().get()).contains("127.0.0.1:" + closedPort);
        assertThat(c.publishedLsn("app")).isEqualTo(-1);
        assertThat(c.stats().get(0).publishedLsn()).isEqualTo(-1);
      }
      assertThat(cycleFiles(data)).as("one file per second of load, all kept").isGreaterThan(3);

      String bootstrap = KafkaFixture.bootstrap();
      final long last = txns;
      try (Capture c = Capture.start(base.withKafka(KafkaSettings.defaults(bootstrap).withTopic(topic)))) {
        await().atMost(Duration.ofSeconds(60)).until(() -> c.publishedLsn("app") >= last);
        assertThat(c.retain()).as("acknowledged files behind a snapshot go").isNotEmpty();
      }
      Map<String, List<KafkaEntry>> consumed = KafkaLog.consume(bootstrap, topic, Map.of("app", last));
      assertThat(KafkaLog.assertDense(consumed.get("app"))).isEqualTo(last);
      Path rebuilt = dir.resolve("rebuilt.db");
      KafkaLog.rebuild(consumed.get("app"), rebuilt);
      assertThat(SqliteOracle.contents(rebuilt)).isEqualTo(SqliteOracle.contents(w));
    }
  }

  private static long cycleFiles(Path data) throws Exception {
    try (var s = Files.list(data.resolve("log"))) {
      return s.filter(p -> p.toString().endsWith(".cq4")).count();
    }
  }
}
