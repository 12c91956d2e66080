package io.walflow.ingest.kafka;

import io.walflow.ingest.LogEntry;

/**
 * A log entry decoded from Kafka records by {@link KafkaEntryDecoder}: a whole commit (its parts
 * and fragments reassembled), or one snapshot part.
 *
 * @param topic the topic it was read from
 * @param partition the partition it was read from
 * @param firstOffset offset of its first record (first fragment of its first part)
 * @param lastOffset offset of the record that completed it; a consumer that has applied the entry
 *     may commit {@code lastOffset + 1}
 * @param entry the decoded entry, CRC verified
 */
public record KafkaEntry(String topic, int partition, long firstOffset, long lastOffset, LogEntry entry) {}
