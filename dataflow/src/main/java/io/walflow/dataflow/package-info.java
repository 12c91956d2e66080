/**
 * Incrementally maintained SQL views over the change stream (issue 6). {@link
 * io.walflow.dataflow.Dataflow} is the engine: a {@link io.walflow.ingest.feed.TransactionSink}
 * fed by a {@link io.walflow.ingest.feed.ChangeFeed}, and the {@link io.walflow.dataflow.ViewEngine}
 * that services use (views, lookups with read-your-writes, subscriptions). Configured by {@link
 * io.walflow.dataflow.DataflowConfig}. SQL is planned by {@code sql}, evaluated with SQLite's
 * semantics by {@code eval}, run by the operators of {@code graph} over base tables kept in RocksDB
 * by {@code state}. See {@code docs/dataflow.md}.
 */
package io.walflow.dataflow;
