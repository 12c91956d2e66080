package io.walflow.replica.source;

import io.walflow.ingest.kafka.KafkaRecords;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Finds where a replica that holds nothing should start reading each partition: at the newest
 * snapshot of the databases in it (the earliest of those, per partition), so that bootstrapping
 * skips the history before it. Reads the topic once up to its current end without a consumer
 * group, looking only at each entry's first bytes (type and part index, docs/log-format.md): the
 * position is an optimisation, and the real decoder checks every entry read afterwards.
 */
final class SnapshotScan {
  /** Entry header offsets (docs/log-format.md, section 2). */
  private static final int TYPE_OFFSET = 5;
  private static final int PART_INDEX_OFFSET = 40;
  private static final int SNAPSHOT = 1;

  private SnapshotScan() {}

  /**
   * Per partition of {@code topic}, the offset to start from: the first record of the oldest
   * among its databases' newest snapshots. Partitions without a snapshot are left out (read them
   * from the beginning).
   */
  static Map<TopicPartition, Long> newestSnapshots(String bootstrap, String topic, Duration timeout) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
    Map<TopicPartition, Long> out = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      List<PartitionInfo> infos = c.partitionsFor(topic, timeout);
      if (infos == null) {
        return out;
      }
      infos.forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts, timeout);
      Map<TopicPartition, Map<String, Long>> newest = new HashMap<>();
      Map<TopicPartition, Long> reached = new HashMap<>();
      long deadline = System.nanoTime() + timeout.toNanos();
      while (parts.stream().anyMatch(tp -> reached.getOrDefault(tp, -1L) + 1 < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          return Map.of(); // too slow: bootstrap from the beginning instead
        }
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          TopicPartition tp = new TopicPartition(r.topic(), r.partition());
          reached.put(tp, r.offset());
          if (r.key() != null && startsSnapshot(r)) {
            newest.computeIfAbsent(tp, x -> new HashMap<>()).put(new String(r.key(), StandardCharsets.UTF_8), r.offset());
          }
        }
      }
      newest.forEach((tp, byDb) -> out.put(tp, byDb.values().stream().mapToLong(Long::longValue).min().orElseThrow()));
    }
    return out;
  }

  /** Whether the record starts a snapshot: its entry is a snapshot part 0, and it is not a later fragment. */
  private static boolean startsSnapshot(ConsumerRecord<byte[], byte[]> r) {
    Header frag = r.headers().lastHeader(KafkaRecords.FRAGMENT_HEADER);
    if (frag != null && (frag.value() == null || frag.value().length != 8 || ByteBuffer.wrap(frag.value()).getInt() != 0)) {
      return false;
    }
    byte[] v = r.value();
    if (v == null || v.length < PART_INDEX_OFFSET + 2) {
      return false;
    }
    int partIndex = ((v[PART_INDEX_OFFSET] & 0xFF) << 8) | (v[PART_INDEX_OFFSET + 1] & 0xFF);
    return v[TYPE_OFFSET] == SNAPSHOT && partIndex == 0;
  }
}
