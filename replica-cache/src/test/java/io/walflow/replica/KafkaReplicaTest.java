package io.walflow.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.Durability;
import io.walflow.ingest.KafkaSettings;
import io.walflow.ingest.capture.ChildProcess;
import io.walflow.ingest.capture.SqliteOracle;
import io.walflow.ingest.change.Value;
import io.walflow.ingest.kafka.KafkaRecords;
import io.walflow.replica.client.ReplicaClient;
import io.walflow.replica.source.KafkaSource;
import io.walflow.testkit.KafkaBroker;
import io.walflow.testkit.KafkaFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replicas consuming the log from a real Kafka broker (KRaft, child JVM): regions converge to the
 * source's exact content under a concurrent write load, survive kill -9 and a broker restart,
 * bootstrap when started late, and serve read-your-writes.
 */
class KafkaReplicaTest {
  @TempDir Path dir;

  private static String topic() {
    return "walflow.test." + UUID.randomUUID().toString().substring(0, 8);
  }

  private Capture capture(String bootstrap, String topic, Path data, Path db, Connection w) throws Exception {
    return capture(bootstrap, topic, CaptureConfig.defaults(data), db, w);
  }

  private Capture capture(String bootstrap, String topic, CaptureConfig config, Path db, Connection w) throws Exception {
    CapturedReplicaTest.App.prepare(w);
    Capture c = Capture.start(config.withDatabase("app", db)
        .withKafka(KafkaSettings.defaults(bootstrap).withTopic(topic).withPartitions(2, (short) 1))
        .withDurability(Durability.KAFKA));
    c.awaitDurable("app", 0).get(60, TimeUnit.SECONDS);
    return c;
  }

  /** Runs the app's load on a thread until stopped; returns the number of transactions. */
  private static Thread writer(Connection w, CapturedReplicaTest.App app, int txns, AtomicReference<Throwable> failure) {
    Thread t = new Thread(() -> {
      try {
        for (int i = 0; i < txns; i++) {
          app.transaction(w);
          if (i % 20 == 0) {
            Thread.sleep(5); // a paced writer: the replicas apply while it writes
          }
        }
      } catch (Throwable e) {
        failure.set(e);
      }
    }, "writer");
    t.start();
    return t;
  }

  @Test
  void twoRegions_convergeUnderLoad_lateRegionBootstraps_readYourWrites_corruptRecordStopsItsDatabase() throws Exception {
    String bootstrap = KafkaFixture.bootstrap();
    String topic = topic();
    Path db = dir.resolve("app.db");
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    try (Connection w = SqliteOracle.open(db);
        // Retention snapshots every 256 KiB of log: the late region starts at the newest one.
        Capture c = capture(bootstrap, topic, CaptureConfig.defaults(dir.resolve("data"))
            .withRetention(256 << 10, Duration.ofHours(24), "FAST_HOURLY"), db, w);
        Replica eu = Replica.open(ReplicaConfig.of("eu", dir.resolve("eu")));
        Replica us = Replica.open(ReplicaConfig.of("us", dir.resolve("us")))) {
      // A record that is not a walflow entry, under its own database name.
      Properties p = new Properties();
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
        ProducerRecord<byte[], byte[]> bad = new ProducerRecord<>(topic, "bad".getBytes(), "garbage".getBytes());
        bad.headers().add(KafkaRecords.LSN_HEADER, new byte[] {0, 0, 0, 0, 0, 0, 0, 1});
        producer.send(bad).get(30, TimeUnit.SECONDS);
      }
      eu.start(new KafkaSource(bootstrap, topic, "eu"));
      us.start(new KafkaSource(bootstrap, topic, "us"));
      AtomicReference<Throwable> failure = new AtomicReference<>();
      CapturedReplicaTest.App app = new CapturedReplicaTest.App(seed);
      Thread writer = writer(w, app, 600, failure);
      writer.join();
      assertThat(failure.get()).isNull();
      long end = CapturedReplicaTest.durableAt(c, app.txn);
      for (Replica r : List.of(eu, us)) {
        assertThat(r.awaitLsn("app", end).get(60, TimeUnit.SECONDS)).isEqualTo(end);
        SqliteTables.assertSame(r, "app", db, "region " + r.config().region() + " at LSN " + end + " (seed " + seed + ")");
        DatabaseStatus bad = r.status().databases().get("bad");
        assertThat(bad.state()).isEqualTo(ApplyState.STOPPED);
        assertThat(bad.reason().orElseThrow()).contains("topic " + topic + " partition").contains("offset 0");
        assertThat(r.status().source()).contains("group walflow-replica-" + r.config().region()).contains(": ok");
      }

      // Read-your-writes: the writer's own commit, read with its LSN as minLsn.
      try (Statement st = w.createStatement()) {
        st.execute("INSERT INTO t(id, k, v) VALUES (1000000, 42, x'00')");
      }
      long mine = CapturedReplicaTest.durableAt(c, end + 1);
      PointRead read = us.get("app", "t", List.of(Value.of(1_000_000)), Freshness.atLeast(mine, Duration.ofSeconds(30)));
      assertThat(read.lsn()).isGreaterThanOrEqualTo(mine);
      assertThat(read.row().orElseThrow().get("k")).isEqualTo(Value.of(42));

      // A region started after the load bootstraps from the topic's newest snapshot.
      try (Replica late = Replica.open(ReplicaConfig.of("late", dir.resolve("late")))) {
        late.start(new KafkaSource(bootstrap, topic, "late"));
        assertThat(late.awaitLsn("app", mine).get(60, TimeUnit.SECONDS)).isEqualTo(mine);
        SqliteTables.assertSame(late, "app", db, "late region (seed " + seed + ")");
        assertThat(late.status().databases().get("app").snapshotLsn()).as("bootstrap snapshot").isGreaterThan(100);
      }
    }
  }

  @Test
  void replicaKilledMidApply_restartsAndConverges_noLostOrDuplicatedTransaction() throws Exception {
    String bootstrap = KafkaFixture.bootstrap();
    String topic = topic();
    Path db = dir.resolve("app.db");
    Path replicaDir = dir.resolve("child");
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    try (Connection w = SqliteOracle.open(db); Capture c = capture(bootstrap, topic, dir.resolve("data"), db, w)) {
      AtomicReference<Throwable> failure = new AtomicReference<>();
      CapturedReplicaTest.App app = new CapturedReplicaTest.App(seed);
      Thread writer = writer(w, app, 1000, failure);
      Process child = startChild(replicaDir, bootstrap, topic, 1);
      ReplicaClient client = client(1);
      // Kill it while it applies: once it has some of the load, well before the end.
      await().atMost(Duration.ofSeconds(60)).until(() -> lsnOf(client) > 50);
      long before = lsnOf(client);
      child.destroyForcibly().waitFor();
      System.out.println("killed the replica at LSN >= " + before);
      Process again = startChild(replicaDir, bootstrap, topic, 2);
      writer.join();
      assertThat(failure.get()).isNull();
      long end = CapturedReplicaTest.durableAt(c, app.txn);
      ReplicaClient client2 = client(2);
      await().atMost(Duration.ofSeconds(60)).until(() -> lsnOf(client2) == end);
      assertThat(client2.status().databases().get("app").state()).isEqualTo(ApplyState.OK);
      again.destroy();
      again.waitFor(20, TimeUnit.SECONDS);
      again.destroyForcibly().waitFor();
      try (Replica r = Replica.open(ReplicaConfig.of("child", replicaDir))) {
        assertThat(r.lsn("app")).isEqualTo(end);
        SqliteTables.assertSame(r, "app", db, "after kill -9 and restart (seed " + seed + ")");
      }
    }
  }

  @Test
  void brokerRestartMidLoad_replicaReportsIt_thenConverges() throws Exception {
    KafkaBroker broker = KafkaFixture.localBroker();
    String bootstrap = broker.bootstrapServers();
    String topic = topic();
    Path db = dir.resolve("app.db");
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    try (Connection w = SqliteOracle.open(db);
        Capture c = capture(bootstrap, topic, dir.resolve("data"), db, w);
        Replica r = Replica.open(ReplicaConfig.of("eu", dir.resolve("eu")))) {
      r.start(new KafkaSource(bootstrap, topic, "eu"));
      CapturedReplicaTest.App app = new CapturedReplicaTest.App(seed);
      for (int i = 0; i < 200; i++) {
        app.transaction(w);
      }
      AtomicBoolean sawDown = new AtomicBoolean();
      broker.stop();
      try {
        for (int i = 0; i < 200; i++) {
          app.transaction(w); // capture keeps the log locally and publishes once Kafka is back
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> r.status().source().contains("unreachable"));
        sawDown.set(true);
      } finally {
        broker.startAgain();
      }
      for (int i = 0; i < 200; i++) {
        app.transaction(w);
      }
      long end = CapturedReplicaTest.durableAt(c, app.txn);
      assertThat(r.awaitLsn("app", end).get(90, TimeUnit.SECONDS)).isEqualTo(end);
      SqliteTables.assertSame(r, "app", db, "after a broker restart (seed " + seed + ")");
      assertThat(sawDown).isTrue();
      await().atMost(Duration.ofSeconds(30)).until(() -> r.status().source().contains(": ok"));
    }
  }

  private Process startChild(Path replicaDir, String bootstrap, String topic, int n) throws Exception {
    Path portFile = dir.resolve("port-" + n);
    Process p = ChildProcess.start(ChildReplica.class, dir.resolve("child-" + n + ".log"),
        "child", replicaDir.toString(), bootstrap, topic, portFile.toString());
    await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(portFile) || !p.isAlive());
    assertThat(p.isAlive()).as("child replica: %s", Files.exists(dir.resolve("child-" + n + ".log"))
        ? Files.readString(dir.resolve("child-" + n + ".log")) : "").isTrue();
    return p;
  }

  private ReplicaClient client(int n) throws Exception {
    return new ReplicaClient("http://127.0.0.1:" + Files.readString(dir.resolve("port-" + n)).trim(), Optional.empty());
  }

  private static long lsnOf(ReplicaClient client) {
    DatabaseStatus s = client.status().databases().get("app");
    return s == null ? -1 : s.lsn();
  }
}
