/**
 * Replay to a replica: rebuilds a replica's RocksDB from the local log at any LSN the log reaches
 * ({@link io.walflow.replica.replay.ReplicaReplay}), optionally verified against the database
 * rebuilt from the same log at the same LSN.
 */
package io.walflow.replica.replay;
