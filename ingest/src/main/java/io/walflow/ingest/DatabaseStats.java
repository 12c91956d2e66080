package io.walflow.ingest;

import java.nio.file.Path;

/**
 * What capture reports about one database at one moment.
 *
 * @param db the database's name
 * @param path its file
 * @param state "waiting for the database file", "snapshot", "capturing", "stopped" or "failed: …"
 * @param lsn the last LSN handed to the log
 * @param durableLsn the last LSN durable at the configured level
 * @param commits commits captured since start
 * @param frames WAL frames read since start
 * @param logBytes bytes of log entries written since start
 * @param walRestarts WAL generations seen since start
 * @param checkpoints checkpoints run by capture since start
 * @param lastCommitAgeMillis milliseconds since the last commit was read (-1 if none)
 * @param publishedLsn the last LSN Kafka acknowledged (-1 when none, or when not publishing to Kafka)
 */
public record DatabaseStats(String db, Path path, String state, long lsn, long durableLsn, long commits,
    long frames, long logBytes, long walRestarts, long checkpoints, long lastCommitAgeMillis, long publishedLsn) {}
