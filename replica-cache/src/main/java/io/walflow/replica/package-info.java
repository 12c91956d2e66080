/**
 * Regional read replicas (issue 4): {@link io.walflow.replica.Replica} applies the log (Kafka or
 * the local log) into RocksDB, one WriteBatch per transaction with its watermark, and serves point
 * reads and range scans through a Caffeine cache that apply keeps coherent.
 *
 * <p>Packages follow the data flow: {@code source} (where entries come from), {@code apply}
 * (transactions into the store), {@code store} (RocksDB layout and encodings), {@code read} (the
 * row cache), {@code http} and {@code client} (the HTTP API and its Java client). See
 * {@code docs/replica.md}.
 */
package io.walflow.replica;
