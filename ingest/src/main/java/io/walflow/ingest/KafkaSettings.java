package io.walflow.ingest;

import java.util.Objects;

/**
 * Where and how capture publishes the log to Kafka ({@code capture --kafka}). See
 * docs/log-format.md, "Kafka records", for what the records hold.
 *
 * @param bootstrapServers Kafka's {@code bootstrap.servers}
 * @param topic the topic; created when missing with the partitions and replication below
 * @param partitions partitions of a topic capture creates (databases are spread over them by key)
 * @param replication replication factor of a topic capture creates
 * @param maxRecordBytes entries larger than this are cut into fragments of at most this many bytes
 */
public record KafkaSettings(String bootstrapServers, String topic, int partitions, short replication,
    int maxRecordBytes) {
  public static final String DEFAULT_TOPIC = "walflow.log";
  public static final int DEFAULT_PARTITIONS = 6;
  public static final short DEFAULT_REPLICATION = 1;
  /** Below Kafka's default 1 MiB {@code message.max.bytes}, with room for the record's overhead. */
  public static final int DEFAULT_MAX_RECORD_BYTES = 900 * 1024;

  public KafkaSettings {
    Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    Objects.requireNonNull(topic, "topic");
    if (bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("--kafka needs a bootstrap address such as 127.0.0.1:9092");
    }
    if (!topic.matches("[a-zA-Z0-9._-]{1,249}")) {
      throw new IllegalArgumentException("Kafka topic name '" + topic
          + "' must be 1-249 characters of letters, digits, '.', '_' and '-'");
    }
    if (partitions < 1) {
      throw new IllegalArgumentException("--kafka-partitions must be >= 1, got " + partitions);
    }
    if (replication < 1) {
      throw new IllegalArgumentException("--kafka-replication must be >= 1, got " + replication);
    }
    if (maxRecordBytes < 1024) {
      throw new IllegalArgumentException("--kafka-max-record-bytes must be >= 1024, got " + maxRecordBytes);
    }
  }

  /** The defaults (topic {@value #DEFAULT_TOPIC}, 6 partitions, replication 1, 900 KiB records). */
  public static KafkaSettings defaults(String bootstrapServers) {
    return new KafkaSettings(bootstrapServers, DEFAULT_TOPIC, DEFAULT_PARTITIONS, DEFAULT_REPLICATION,
        DEFAULT_MAX_RECORD_BYTES);
  }

  public KafkaSettings withTopic(String t) {
    return new KafkaSettings(bootstrapServers, t, partitions, replication, maxRecordBytes);
  }

  public KafkaSettings withPartitions(int n, short rf) {
    return new KafkaSettings(bootstrapServers, topic, n, rf, maxRecordBytes);
  }

  public KafkaSettings withMaxRecordBytes(int n) {
    return new KafkaSettings(bootstrapServers, topic, partitions, replication, n);
  }
}
