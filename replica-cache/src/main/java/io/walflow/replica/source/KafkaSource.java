package io.walflow.replica.source;

import io.walflow.ingest.CorruptEntryException;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.kafka.KafkaEntry;
import io.walflow.ingest.kafka.KafkaEntryDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the log from Kafka as consumer group {@code walflow-replica-<region>}, one group per
 * region, decoding records with {@link KafkaEntryDecoder} (fragments and parts reassembled, CRC
 * checked).
 *
 * <p>Offsets are committed by hand, after the entries polled are applied, and never past an entry
 * still being reassembled or a snapshot still being received: the replica's watermark is the
 * truth and skips redeliveries, the offsets only say where to resume. A group without offsets,
 * or a replica that holds nothing yet, starts each partition at the newest snapshot of its
 * databases ({@link SnapshotScan}; the beginning when it has none), then applies the commits after it. A record
 * that fails its checks is delivered as a {@link SourceItem.Failure} naming topic, partition and
 * offset, and its database (the record key) stops. While the broker is unreachable the consumer
 * reconnects with back-off and {@link #describe()} says so.
 */
public final class KafkaSource implements EntrySource {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaSource.class);
  /** Bounds of the client's reconnection back-off. */
  private static final long RECONNECT_BACKOFF_MS = 100;
  private static final long RECONNECT_BACKOFF_MAX_MS = 5_000;
  /** How long an offset commit may take before it is retried with the next poll. */
  private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(5);

  /** Longest look for the newest snapshots before a bootstrap (then: from the beginning). */
  private static final Duration SCAN_TIMEOUT = Duration.ofSeconds(60);

  /** Where an entry starts: for holding back offset commits. */
  private record Position(TopicPartition partition, long offset) {}

  private final String bootstrap;
  private final String topic;
  private final String group;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final KafkaEntryDecoder decoder = new KafkaEntryDecoder();
  private final KafkaRangeReader rangeReader;
  private final Map<TopicPartition, Long> committed = new HashMap<>();
  private boolean fromBeginning;
  /** Where a replica that holds nothing starts, per partition (found before the first poll). */
  private Map<TopicPartition, Long> bootstrapOffsets = Map.of();
  private boolean scanned;
  private volatile String problem = "";
  /** Whether the consumer had a broker connection at its last poll (read by other threads). */
  private volatile boolean connected;

  /**
   * @param bootstrap Kafka's {@code bootstrap.servers}
   * @param topic the log's topic (capture's {@code --kafka-topic}, {@code walflow.log} by default)
   * @param region the replica's region: the consumer group is {@code walflow-replica-<region>}
   */
  public KafkaSource(String bootstrap, String topic, String region) {
    this.bootstrap = bootstrap;
    this.rangeReader = new KafkaRangeReader(bootstrap);
    this.topic = topic;
    this.group = "walflow-replica-" + region;
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, group);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.RECONNECT_BACKOFF_MS_CONFIG, Long.toString(RECONNECT_BACKOFF_MS));
    p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, Long.toString(RECONNECT_BACKOFF_MAX_MS));
    p.put(ConsumerConfig.RETRY_BACKOFF_MS_CONFIG, Long.toString(RECONNECT_BACKOFF_MS));
    p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "5000"); // find a topic created after the replica started
    this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @Override
  public void begin(boolean replicaEmpty) {
    fromBeginning = replicaEmpty;
    consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        partitions.forEach(tp -> {
          decoder.reset(tp);
          committed.remove(tp);
        });
      }

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        partitions.forEach(decoder::reset);
        if (fromBeginning && !partitions.isEmpty()) {
          List<TopicPartition> beginning = new ArrayList<>();
          for (TopicPartition tp : partitions) {
            Long offset = bootstrapOffsets.get(tp);
            if (offset == null) {
              beginning.add(tp);
            } else {
              LOG.info("replica holds nothing yet: reading {} from offset {}, its databases' newest snapshots", tp, offset);
              consumer.seek(tp, offset);
            }
          }
          if (!beginning.isEmpty()) {
            LOG.info("replica holds nothing yet: reading {} from the beginning", beginning);
            consumer.seekToBeginning(beginning);
          }
        }
      }
    });
  }

  @Override
  public List<SourceItem> poll(Duration timeout) {
    if (fromBeginning && !scanned) {
      scanned = true;
      try {
        bootstrapOffsets = SnapshotScan.newestSnapshots(bootstrap, topic, SCAN_TIMEOUT);
      } catch (KafkaException e) {
        LOG.warn("cannot look for the newest snapshots in {} ({}); bootstrapping from the beginning", topic, e.toString());
      }
    }
    ConsumerRecords<byte[], byte[]> records;
    try {
      records = consumer.poll(timeout);
      connected = connected();
    } catch (KafkaException e) {
      connected = false;
      problem = "; poll failed: " + e.getMessage();
      throw e;
    }
    List<SourceItem> out = new ArrayList<>(records.count());
    for (ConsumerRecord<byte[], byte[]> r : records) {
      try {
        Optional<KafkaEntry> e = decoder.accept(r);
        e.ifPresent(k -> out.add(new SourceItem.Entry(k.entry(),
            "topic " + k.topic() + " partition " + k.partition() + " offset " + k.firstOffset(),
            new Position(new TopicPartition(k.topic(), k.partition()), k.firstOffset()))));
      } catch (CorruptEntryException e) {
        Optional<String> db = Optional.ofNullable(r.key()).map(k -> new String(k, StandardCharsets.UTF_8));
        out.add(new SourceItem.Failure(db, e.position(), e.getMessage()));
      }
    }
    if (!records.isEmpty()) {
      fromBeginning = false; // later rebalances resume from committed offsets
    }
    return out;
  }

  @Override
  public void commit(Collection<Object> pending) {
    Map<TopicPartition, Long> holdBack = new HashMap<>();
    for (Object o : pending) {
      Position p = (Position) o;
      holdBack.merge(p.partition(), p.offset(), Math::min);
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition tp : consumer.assignment()) {
      OptionalLong safe = decoder.committableOffset(tp);
      if (safe.isEmpty()) {
        continue;
      }
      long offset = Math.min(safe.getAsLong(), holdBack.getOrDefault(tp, Long.MAX_VALUE));
      if (!Long.valueOf(offset).equals(committed.get(tp))) {
        offsets.put(tp, new OffsetAndMetadata(offset));
      }
    }
    if (offsets.isEmpty()) {
      return;
    }
    try {
      consumer.commitSync(offsets, COMMIT_TIMEOUT);
      offsets.forEach((tp, o) -> committed.put(tp, o.offset()));
      problem = "";
    } catch (KafkaException e) {
      // Not fatal: the watermark is the truth; the next commit carries these offsets too.
      problem = "; offset commit failed, retried with the next batch: " + e.getMessage();
      LOG.warn("replica group {}: offset commit failed (retried with the next batch): {}", group, e.toString());
    }
  }

  /**
   * Re-reads a gap from the partition of the entry that revealed it ({@link KafkaRangeReader}):
   * entries lost between the broker and the replica are still in Kafka.
   */
  @Override
  public Optional<List<LogEntry>> reread(String db, long fromLsn, long toLsn, Instant since, Object before) {
    Position p = (Position) before;
    return Optional.of(rangeReader.read(p.partition(), p.offset(), db, fromLsn, toLsn, since));
  }

  @Override
  public String describe() {
    String state = connected ? "ok" : "broker unreachable, reconnecting with back-off (up to "
        + RECONNECT_BACKOFF_MAX_MS + " ms)";
    return "kafka " + bootstrap + " topic " + topic + " group " + group + ": " + state + problem;
  }

  private boolean connected() {
    try {
      for (Map.Entry<MetricName, ? extends Metric> m : consumer.metrics().entrySet()) {
        if (m.getKey().name().equals("connection-count") && m.getKey().group().equals("consumer-metrics")) {
          Object v = m.getValue().metricValue();
          return v instanceof Number n && n.doubleValue() > 0;
        }
      }
    } catch (RuntimeException e) {
      return false; // metrics of a closed consumer
    }
    return false;
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}
