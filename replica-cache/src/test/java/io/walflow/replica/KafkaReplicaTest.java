package io.walflow.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.Durability;
import io.walflow.ingest.KafkaSettings;
import io.walflow.ingest.capture.ChildProcess;
import io.walflow.ingest.capture.SqliteOracle;
import io.walflow.ingest.capture.Workload;
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
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
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

  @Test
  void checksumFailingRecord_stopsItsDatabaseAtItsLsn_appliesNothingFromIt_otherDatabaseContinues() throws Exception {
    String bootstrap = KafkaFixture.bootstrap();
    String topic = topic();
    Path db = dir.resolve("app.db");
    Path otherDb = dir.resolve("other.db");
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    try (Connection w = SqliteOracle.open(db); Connection o = SqliteOracle.open(otherDb)) {
      CapturedReplicaTest.App.prepare(w);
      Workload.prepare(o, 4096, 1000);
      try (Capture c = Capture.start(CaptureConfig.defaults(dir.resolve("data")).withDatabase("app", db)
              .withDatabase("other", otherDb)
              .withKafka(KafkaSettings.defaults(bootstrap).withTopic(topic).withPartitions(2, (short) 1))
              .withDurability(Durability.KAFKA));
          Replica r = Replica.open(ReplicaConfig.of("eu", dir.resolve("eu")))) {
        Workload otherLoad = new Workload(seed, 2, Workload.AppCheckpoint.NONE, 1);
        for (int i = 0; i < 40; i++) {
          otherLoad.transaction(o);
        }
        long otherEnd = 40;
        c.awaitDurable("other", otherEnd).get(90, TimeUnit.SECONDS);
        r.start(new KafkaSource(bootstrap, topic, "eu"));
        assertThat(r.awaitLsn("other", otherEnd).get(60, TimeUnit.SECONDS)).isEqualTo(otherEnd);
        Path frozen = dir.resolve("other-at-" + otherEnd + ".db");
        try (Statement st = o.createStatement()) {
          st.execute("VACUUM INTO '" + frozen + "'");
        }

        // The last commit of 'other', one payload byte flipped, produced again as the next LSN.
        ConsumerRecord<byte[], byte[]> last = lastRecordOf(bootstrap, topic, "other", otherEnd);
        byte[] value = last.value().clone();
        value[value.length / 2] ^= 0x5a;
        ProducerRecord<byte[], byte[]> bad = new ProducerRecord<>(topic, last.partition(), last.key(), value);
        bad.headers().add(KafkaRecords.LSN_HEADER, java.nio.ByteBuffer.allocate(8).putLong(otherEnd + 1).array());
        org.apache.kafka.clients.producer.RecordMetadata at;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
          at = producer.send(bad).get(30, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> r.status().databases().get("other").state() == ApplyState.STOPPED);
        DatabaseStatus stopped = r.status().databases().get("other");
        assertThat(stopped.reason().orElseThrow())
            .contains("topic " + topic + " partition " + at.partition() + " offset " + at.offset());

        // Capture goes on with both databases; the replica applies nothing more of 'other'.
        CapturedReplicaTest.App app = new CapturedReplicaTest.App(seed);
        for (int i = 0; i < 120; i++) {
          app.transaction(w);
          if (i % 6 == 0) {
            otherLoad.transaction(o);
          }
        }
        long end = CapturedReplicaTest.durableAt(c, app.txn);
        c.awaitDurable("other", otherEnd + 20).get(90, TimeUnit.SECONDS);
        assertThat(r.awaitLsn("app", end).get(60, TimeUnit.SECONDS)).isEqualTo(end);
        SqliteTables.assertSame(r, "app", db, "the other database goes on (seed " + seed + ")");
        assertThat(r.status().databases().get("other").lsn()).isEqualTo(otherEnd);
        assertThat(r.status().databases().get("other").state()).isEqualTo(ApplyState.STOPPED);
        SqliteTables.assertSame(r, "other", frozen, "stopped at LSN " + otherEnd + " (seed " + seed + ")");
      }
    }
  }

  /** The record of {@code db}'s entry at {@code lsn} (a small commit: one record, no fragments). */
  private static ConsumerRecord<byte[], byte[]> lastRecordOf(String bootstrap, String topic, String db, long lsn) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
          .map(i -> new TopicPartition(topic, i.partition())).toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      java.util.Map<TopicPartition, Long> end = consumer.endOffsets(parts);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline && parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<byte[], byte[]> rec : consumer.poll(Duration.ofMillis(200))) {
          org.apache.kafka.common.header.Header h = rec.headers().lastHeader(KafkaRecords.LSN_HEADER);
          if (db.equals(new String(rec.key(), java.nio.charset.StandardCharsets.UTF_8))
              && java.nio.ByteBuffer.wrap(h.value()).getLong() == lsn) {
            return rec;
          }
        }
      }
      throw new AssertionError("no record of " + db + " at LSN " + lsn + " in " + topic);
    }
  }

  @Test
  void replicaStartedWhileBrokerDown_saysSoInStatus_thenCatchesUp() throws Exception {
    KafkaBroker broker = KafkaFixture.localBroker();
    String bootstrap = broker.bootstrapServers();
    String topic = topic();
    Path db = dir.resolve("app.db");
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    try (Connection w = SqliteOracle.open(db); Capture c = capture(bootstrap, topic, dir.resolve("data"), db, w)) {
      CapturedReplicaTest.App app = new CapturedReplicaTest.App(seed);
      for (int i = 0; i < 150; i++) {
        app.transaction(w);
      }
      long end = CapturedReplicaTest.durableAt(c, app.txn);
      broker.stop();
      try (Replica r = Replica.open(ReplicaConfig.of("late", dir.resolve("late")))) {
        try {
          r.start(new KafkaSource(bootstrap, topic, "late"));
          await().atMost(Duration.ofSeconds(30)).until(() -> r.status().source().contains("broker unreachable, reconnecting with back-off"));
          assertThat(r.status().databases()).doesNotContainKey("app");
        } finally {
          broker.startAgain();
        }
        assertThat(r.awaitLsn("app", end).get(120, TimeUnit.SECONDS)).isEqualTo(end);
        SqliteTables.assertSame(r, "app", db, "replica started while the broker was down (seed " + seed + ")");
        await().atMost(Duration.ofSeconds(30)).until(() -> r.status().source().contains(": ok"));
      }
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
