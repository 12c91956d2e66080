/**
 * The log on Kafka: {@link io.walflow.ingest.kafka.KafkaPublisher} follows the local Chronicle log
 * and produces every entry, exactly as encoded, to a topic keyed by database (idempotent producer,
 * {@code acks=all}, position persisted in the data directory); {@link
 * io.walflow.ingest.kafka.KafkaRecords} is the record format (fragments, the LSN header); {@link
 * io.walflow.ingest.kafka.KafkaEntryDecoder} turns consumed records back into checked, reassembled
 * {@link io.walflow.ingest.LogEntry log entries}. The bytes are specified in
 * {@code docs/log-format.md}, section 9.
 */
package io.walflow.ingest.kafka;
