package io.walflow.ingest.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.CorruptEntryException;
import io.walflow.ingest.DatabaseStats;
import io.walflow.ingest.Durability;
import io.walflow.ingest.KafkaSettings;
import io.walflow.ingest.capture.SqliteOracle;
import io.walflow.ingest.capture.Workload;
import io.walflow.testkit.KafkaBroker;
import io.walflow.testkit.KafkaFixture;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
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
 * Capture publishing to a real Kafka broker (the shared {@link KafkaFixture}); the local log and
 * SQLite are the oracles.
 */
class KafkaCaptureTest {
  @TempDir Path dir;

  private static String topic(String what) {
    return "walflow-test-" + what + "-" + Long.toHexString(System.nanoTime());
  }

  @Test
  void concurrentLoad_onSeveralDatabases_reachesKafkaInOrder_sameBytesAsTheLocalLog_repeatsSkipped() throws Exception {
    String bootstrap = KafkaFixture.bootstrap();
    String topic = topic("load");
    Path data = dir.resolve("data");
    String[] names = {"a", "b", "c"};
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    // Small records, so that ordinary commits are fragmented too, and one transaction of several
    // entry parts (> 4 MiB of pages) in "a".
    KafkaSettings kafka = KafkaSettings.defaults(bootstrap).withTopic(topic).withPartitions(4, (short) 1)
        .withMaxRecordBytes(64 * 1024);
    CaptureConfig cfg = CaptureConfig.defaults(data).withCommitWindow(Duration.ofMillis(5))
        .withDurability(Durability.KAFKA).withKafka(kafka);
    List<Connection> conns = new ArrayList<>();
    for (String n : names) {
      Path db = dir.resolve(n + ".db");
      Connection c = SqliteOracle.open(db);
      Workload.prepare(c, 4096, 1000);
      conns.add(c);
      cfg = cfg.withDatabase(n, db);
    }
    int txns = 150;
    Map<String, Long> last = new LinkedHashMap<>();
    try (Capture capture = Capture.start(cfg)) {
      for (String n : names) {
        capture.awaitDurable(n, 0).get(60, TimeUnit.SECONDS);
      }
      ExecutorService pool = Executors.newFixedThreadPool(names.length);
      try {
        List<Future<?>> writers = new ArrayList<>();
        for (int d = 0; d < names.length; d++) {
          Connection c = conns.get(d);
          Workload w = new Workload(seed + d, 3, Workload.AppCheckpoint.PASSIVE, 50);
          boolean big = d == 0;
          writers.add(pool.submit(() -> {
            for (int i = 0; i < txns; i++) {
              if (big && i == txns / 2) {
                bigTransaction(c, seed);
              } else {
                w.transaction(c);
              }
            }
            return null;
          }));
        }
        for (Future<?> f : writers) {
          f.get(120, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      for (String n : names) {
        capture.awaitDurable(n, txns).get(60, TimeUnit.SECONDS);
        last.put(n, (long) txns);
        assertThat(capture.publishedLsn(n)).isGreaterThanOrEqualTo(txns);
      }
      assertThat(capture.kafkaProblem()).isEmpty();
      assertThat(capture.failure()).isEmpty();
    }
    // Without its position file, a restarted capture publishes the whole local log again: every
    // record is repeated, and the consumer skips the repeats.
    java.nio.file.Files.delete(data.resolve("kafka").resolve(topic + ".position"));
    try (Capture capture = Capture.start(cfg)) {
      assertThat(capture.durableLsn("a")).isEqualTo(-1);
      for (String n : names) {
        capture.awaitDurable(n, txns).get(60, TimeUnit.SECONDS);
      }
    }
    Map<String, List<KafkaEntry>> consumed = KafkaLog.consume(bootstrap, topic, last);
    assertThat(KafkaLog.lastRepeats()).as("entries consumed twice").isGreaterThan(txns);
    for (int d = 0; d < names.length; d++) {
      String n = names[d];
      List<KafkaEntry> entries = consumed.get(n);
      assertThat(KafkaLog.assertDense(entries)).isEqualTo(txns);
      KafkaLog.assertSameAsLocal(entries, KafkaLog.local(data, n));
      Path rebuilt = dir.resolve(n + "-from-kafka.db");
      KafkaLog.rebuild(entries, rebuilt);
      assertThat(SqliteOracle.contents(rebuilt)).as("database %s rebuilt from Kafka", n)
          .isEqualTo(SqliteOracle.contents(conns.get(d)));
      conns.get(d).close();
    }
    assertThat(consumed.get("a").stream().anyMatch(e -> e.lastOffset() - e.firstOffset() > 60))
        .as("the big transaction spans many records (parts and fragments)").isTrue();
    // Keyed by database: each database's entries sit in one partition (its order), on a topic
    // capture created with the configured partitions and replication factor.
    for (String n : names) {
      assertThat(consumed.get(n).stream().map(KafkaEntry::partition).distinct()).as("partitions of %s", n).hasSize(1);
    }
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      org.apache.kafka.clients.admin.TopicDescription t =
          admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
      assertThat(t.partitions()).hasSize(4);
      assertThat(t.partitions()).allSatisfy(pi -> assertThat(pi.replicas()).hasSize(1));
    }
  }

  /** About 5 MiB of incompressible rows in one transaction: two entry parts, many fragments. */
  private static void bigTransaction(Connection c, long seed) throws Exception {
    Random r = new Random(seed);
    c.setAutoCommit(false);
    try (PreparedStatement ins = c.prepareStatement("INSERT INTO t(id, k, v) VALUES (?, ?, ?)")) {
      for (int i = 0; i < 260; i++) {
        byte[] v = new byte[20_000];
        r.nextBytes(v);
        ins.setLong(1, 1_000_000 + i);
        ins.setInt(2, i);
        ins.setBytes(3, v);
        ins.executeUpdate();
      }
    }
    c.commit();
    c.setAutoCommit(true);
  }

  @Test
  void kafkaDurability_waitsForTheBroker_andARestartedCapturePublishesWhatItMissed() throws Exception {
    KafkaBroker broker = KafkaFixture.localBroker();
    String topic = topic("durability");
    Path data = dir.resolve("data");
    Path db = dir.resolve("d.db");
    Connection c = SqliteOracle.open(db);
    Workload.prepare(c, 4096, 1000);
    Workload w = new Workload(42, 2, Workload.AppCheckpoint.NONE, 1);
    CaptureConfig cfg = CaptureConfig.defaults(data).withDatabase("d", db)
        .withDurability(Durability.KAFKA)
        .withKafka(KafkaSettings.defaults(broker.bootstrapServers()).withTopic(topic).withPartitions(2, (short) 1));
    try {
      try (Capture capture = Capture.start(cfg)) {
        List<Long> acknowledged = new java.util.concurrent.CopyOnWriteArrayList<>();
        capture.onDurable((name, lsn, nanos) -> acknowledged.add(lsn));
        capture.awaitDurable("d", 0).get(60, TimeUnit.SECONDS);
        run(w, c, 20);
        capture.awaitDurable("d", 20).get(60, TimeUnit.SECONDS);

        broker.stop();
        run(w, c, 10);
        await().atMost(Duration.ofSeconds(10)).until(() -> stats(capture).lsn() == 30);
        CompletableFuture<Long> durable30 = capture.awaitDurable("d", 30);
        await().atMost(Duration.ofSeconds(20)).until(() -> capture.kafkaProblem().isPresent());
        assertThat(capture.kafkaProblem().get()).contains(broker.bootstrapServers());
        assertThat(durable30).as("not durable while the broker is down").isNotDone();
        assertThat(capture.durableLsn("d")).isEqualTo(20);
        assertThat(stats(capture).publishedLsn()).isEqualTo(20);
        assertThat(capture.failure()).isEmpty();

        assertThat(acknowledged).as("onDurable told of Kafka acknowledgements only").doesNotContain(21L, 30L);
        broker.startAgain();
        assertThat(durable30.get(60, TimeUnit.SECONDS)).isEqualTo(30);
        await().atMost(Duration.ofSeconds(10)).until(() -> capture.kafkaProblem().isEmpty());
        assertThat(acknowledged).contains(20L, 30L).isSorted();

        // Down again, and capture stops before the broker is back.
        broker.stop();
        run(w, c, 5);
        await().atMost(Duration.ofSeconds(10)).until(() -> stats(capture).lsn() == 35);
        await().atMost(Duration.ofSeconds(20)).until(() -> capture.kafkaProblem().isPresent());
        assertThat(capture.durableLsn("d")).isEqualTo(30);
      }
      run(w, c, 5); // while capture is stopped
      broker.startAgain();
      try (Capture capture = Capture.start(cfg)) {
        assertThat(capture.durableLsn("d")).as("published position restored").isGreaterThanOrEqualTo(30);
        run(w, c, 5);
        capture.awaitDurable("d", 45).get(60, TimeUnit.SECONDS);
        assertThat(capture.failure()).isEmpty();
      }
    } finally {
      if (!broker.isRunning()) {
        broker.startAgain();
      }
    }
    Map<String, List<KafkaEntry>> consumed = KafkaLog.consume(broker.bootstrapServers(), topic, Map.of("d", 45L));
    assertThat(KafkaLog.assertDense(consumed.get("d"))).isEqualTo(45);
    KafkaLog.assertSameAsLocal(consumed.get("d"), KafkaLog.local(data, "d"));
    Path rebuilt = dir.resolve("d-from-kafka.db");
    KafkaLog.rebuild(consumed.get("d"), rebuilt);
    assertThat(SqliteOracle.contents(rebuilt)).isEqualTo(SqliteOracle.contents(c));
    c.close();
  }

  @Test
  void corruptRecordsInATopic_areTypedErrors_namingTopicPartitionOffset() throws Exception {
    String bootstrap = KafkaFixture.bootstrap();
    String topic = topic("corrupt");
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    Path data = dir.resolve("data");
    Path db = dir.resolve("x.db");
    try (Connection c = SqliteOracle.open(db)) {
      Workload.prepare(c, 4096, 1000);
      CaptureConfig cfg = CaptureConfig.defaults(data).withDatabase("x", db);
      try (Capture capture = Capture.start(cfg)) {
        capture.awaitDurable("x", 0).get(30, TimeUnit.SECONDS);
        run(new Workload(7, 3, Workload.AppCheckpoint.NONE, 1), c, 3);
        capture.awaitDurable("x", 3).get(30, TimeUnit.SECONDS);
      }
    }
    List<byte[]> entries = new ArrayList<>();
    var codec = new io.walflow.ingest.log.EntryCodec(true);
    for (var e : KafkaLog.local(data, "x")) {
      entries.add(codec.encode(e));
    }
    byte[] badCrc = entries.get(1).clone();
    badCrc[badCrc.length / 2] ^= 0x10;
    List<ProducerRecord<byte[], byte[]>> frags = KafkaRecords.records(topic, "x", 2, entries.get(2), 100);
    assertThat(frags.size()).isGreaterThan(3);
    try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      p.send(KafkaRecords.records(topic, "x", 0, entries.get(0), 1 << 20).get(0)).get();  // offset 0: fine
      p.send(KafkaRecords.records(topic, "x", 1, badCrc, 1 << 20).get(0)).get();          // offset 1: bad CRC
      p.send(frags.get(0)).get();                                                          // offset 2
      p.send(frags.get(2)).get();                                                          // offset 3: 1 is missing
      p.send(KafkaRecords.records(topic, "x", 3, entries.get(3), 1 << 20).get(0)).get();  // offset 4: fine
    }
    KafkaEntryDecoder decoder = new KafkaEntryDecoder();
    List<Object> outcomes = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (records.size() < 5 && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
      assertThat(records).hasSize(5);
      for (ConsumerRecord<byte[], byte[]> r : records) {
        try {
          decoder.accept(r).ifPresent(e -> outcomes.add(e.entry().lsn()));
        } catch (CorruptEntryException e) {
          outcomes.add(e.getMessage());
        }
      }
    }
    assertThat(outcomes).hasSize(4);
    assertThat(outcomes.get(0)).isEqualTo(0L);
    assertThat((String) outcomes.get(1)).contains("topic " + topic + " partition 0 offset 1").contains("CRC-32C");
    assertThat((String) outcomes.get(2)).contains("topic " + topic + " partition 0 offset 3")
        .contains("fragment 2 of " + frags.size()).contains("follows fragment 0");
    assertThat(outcomes.get(3)).isEqualTo(3L);
    assertThat(ByteBuffer.wrap(frags.get(2).headers().lastHeader(KafkaRecords.FRAGMENT_HEADER).value()).getInt())
        .isEqualTo(2);
  }

  private static void run(Workload w, Connection c, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      w.transaction(c);
    }
  }

  private static DatabaseStats stats(Capture capture) {
    return capture.stats().get(0);
  }
}
