package io.walflow.ingest;

import java.nio.file.Path;

/**
 * What capture reports about one database at one moment.
 *
 * @param db the database's name
 * @param path its file
 * @param state "waiting for the database file", "snapshot", "capturing", "stalled: …" (see
 *     {@code stalls}), "stopped" or "failed: …"
 * @param lsn the last LSN handed to the log
 * @param durableLsn the last LSN durable at the configured level
 * @param commits commits captured since start
 * @param frames WAL frames read since start
 * @param logBytes bytes of log entries written since start
 * @param walRestarts WAL generations seen since start
 * @param checkpoints checkpoints run by capture since start
 * @param lastCommitAgeMillis milliseconds since the last commit was read (-1 if none)
 * @param publishedLsn the last LSN Kafka acknowledged (-1 when none, or when not publishing to Kafka)
 * @param walFramesBehind committed WAL frames that capture had not read at its last idle check, by
 *     SQLite's own count (the {@code -shm} wal-index); 0 when capture has read every commit, -1 when
 *     unknown (not checked yet, or no wal-index to read)
 * @param stalls how often capture found itself behind SQLite's count without reading on (each time
 *     it says so in {@code state}, logs an error and writes a resynchronisation snapshot)
 * @param writerHolds how often capture, behind a writer while the WAL had reached its size bound
 *     ({@code truncateBytes}), held SQLite's write lock (up to 1 s each) to read on: each is a
 *     moment the application's writers waited for capture
 */
public record DatabaseStats(String db, Path path, String state, long lsn, long durableLsn, long commits,
    long frames, long logBytes, long walRestarts, long checkpoints, long lastCommitAgeMillis, long publishedLsn,
    long walFramesBehind, long stalls, long writerHolds) {}
