/**
 * Regional read replicas (issue 4): a Kafka consumer of the log applying each transaction into
 * RocksDB as one WriteBatch with its watermark, reads through a Caffeine cache, and repair (issue 5).
 *
 * <p>Only the module boundary exists so far; it depends on {@code ingest}.
 */
package io.walflow.replica;
