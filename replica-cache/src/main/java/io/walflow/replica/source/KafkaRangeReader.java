package io.walflow.replica.source;

import io.walflow.ingest.CorruptEntryException;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.kafka.KafkaEntry;
import io.walflow.ingest.kafka.KafkaEntryDecoder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a range of one database's entries again from its Kafka partition, for gap repair: a
 * short-lived consumer outside the replica's group (its offsets untouched) seeks to the first
 * record produced since a given time ({@code offsetsForTimes}) and reads up to an end offset.
 *
 * <p>Why a time: records carry their producer's timestamp, taken by capture after the commit, so
 * every entry committed after the replica's watermark lies at or after the first record stamped
 * at the watermark's commit time (less {@link #CLOCK_MARGIN} for clock adjustments).
 */
final class KafkaRangeReader {
  /** Seek this much earlier than the watermark's commit time. */
  static final Duration CLOCK_MARGIN = Duration.ofSeconds(60);
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

  private final String bootstrap;

  KafkaRangeReader(String bootstrap) {
    this.bootstrap = bootstrap;
  }

  /**
   * The entries of {@code db} with LSN {@code fromLsn..toLsn}, in log order, found in {@code
   * partition} between the first record stamped at or after {@code since} − margin and {@code
   * endOffset} (exclusive).
   *
   * @throws KafkaException or {@link CorruptEntryException} when the broker cannot be read or a
   *     record is damaged (the caller falls back to other repairs)
   */
  List<LogEntry> read(TopicPartition partition, long endOffset, String db, long fromLsn, long toLsn, Instant since) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "walflow-replica-gap-reader");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
    p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
    List<LogEntry> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      consumer.assign(List.of(partition));
      long ts = Math.max(0, since.minus(CLOCK_MARGIN).toEpochMilli());
      Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(Map.of(partition, ts));
      OffsetAndTimestamp at = found.get(partition);
      if (at == null || at.offset() >= endOffset) {
        return out; // nothing stamped since then before the end: the range is not there
      }
      consumer.seek(partition, at.offset());
      KafkaEntryDecoder decoder = new KafkaEntryDecoder();
      long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
      while (consumer.position(partition) < endOffset) {
        if (System.nanoTime() > deadline) {
          throw new KafkaException("reading " + partition + " offsets " + at.offset() + ".." + (endOffset - 1)
              + " took more than " + READ_TIMEOUT.toSeconds() + " s");
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.offset() >= endOffset) {
            break;
          }
          for (KafkaEntry e : decoder.accept(r).stream().toList()) {
            LogEntry entry = e.entry();
            if (entry.db().equals(db) && entry.lsn() >= fromLsn && entry.lsn() <= toLsn) {
              out.add(entry);
            }
          }
        }
      }
    }
    return out;
  }
}
