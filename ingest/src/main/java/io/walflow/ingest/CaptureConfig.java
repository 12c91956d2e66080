package io.walflow.ingest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Everything capture needs, with defaults that work out of the box. Immutable; the {@code with…}
 * methods return modified copies and check their argument at once.
 *
 * @param dataDir where the log ({@code log/}) and capture's shadow images ({@code images/}) live
 * @param databases name to path of each captured SQLite database, in the order given
 * @param commitWindow how long the log writer gathers commits (of all databases) into one append;
 *     zero appends as soon as a commit is read
 * @param durability when a commit is reported durable
 * @param pollInterval how long a tailer sleeps when its WAL has nothing new
 * @param checkpointPages capture checkpoints (PASSIVE, and lets SQLite restart the WAL) once the
 *     WAL holds this many frames
 * @param truncateBytes the WAL's size bound: capture runs a TRUNCATE checkpoint once the WAL file is
 *     this large, and holds the application's writers (SQLite's write lock, up to 1 s at a time)
 *     while it catches up when it is behind with the file at this size
 * @param compressPages store pages LZ4-compressed in the log
 * @param snapshotEveryBytes write a fresh snapshot of a database once this many log bytes were
 *     written for it since its last snapshot (retention needs snapshots to delete old files)
 * @param retention log files younger than this are kept even when a later snapshot covers them
 * @param rollCycle Chronicle roll cycle name (FAST_HOURLY; TEST_SECONDLY in tests)
 * @param minFreeDiskBytes stop appending (with an error) when the log's file system has less free
 * @param decodeChanges decode row changes into each entry (see docs/change-events.md)
 * @param kafka publish every entry to Kafka as well (see docs/log-format.md, "Kafka records")
 */
public record CaptureConfig(
    Path dataDir,
    Map<String, Path> databases,
    Duration commitWindow,
    Durability durability,
    Duration pollInterval,
    int checkpointPages,
    long truncateBytes,
    boolean compressPages,
    long snapshotEveryBytes,
    Duration retention,
    String rollCycle,
    long minFreeDiskBytes,
    boolean decodeChanges,
    Optional<KafkaSettings> kafka) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

  public CaptureConfig {
    Objects.requireNonNull(dataDir, "dataDir");
    databases = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(databases));
    Objects.requireNonNull(kafka, "kafka");
    if (commitWindow.isNegative()) {
      throw new IllegalArgumentException("commit window must be >= 0, got " + commitWindow);
    }
    if (checkpointPages < 1) {
      throw new IllegalArgumentException("checkpointPages must be >= 1, got " + checkpointPages);
    }
    for (String name : databases.keySet()) {
      if (!NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("database name '" + name
            + "' must be 1-128 characters of letters, digits, '_', '.', '-' (not starting with '.' or '-')");
      }
    }
  }

  /** Defaults: window 0, local durability, 0.5 ms polls, checkpoint at 4000 frames, truncate at 64 MiB. */
  public static CaptureConfig defaults(Path dataDir) {
    return new CaptureConfig(dataDir, Map.of(), Duration.ZERO, Durability.LOCAL, Duration.ofNanos(500_000),
        4000, 64L << 20, true, 1L << 30, Duration.ofHours(24), "FAST_HOURLY", 256L << 20, true, Optional.empty());
  }

  public CaptureConfig withDatabase(String name, Path path) {
    if (databases.containsKey(name)) {
      throw new IllegalArgumentException("database name '" + name + "' given twice");
    }
    Map<String, Path> m = new LinkedHashMap<>(databases);
    m.put(name, path);
    return new CaptureConfig(dataDir, m, commitWindow, durability, pollInterval, checkpointPages, truncateBytes,
        compressPages, snapshotEveryBytes, retention, rollCycle, minFreeDiskBytes, decodeChanges, kafka);
  }

  public CaptureConfig withCommitWindow(Duration d) {
    return new CaptureConfig(dataDir, databases, d, durability, pollInterval, checkpointPages, truncateBytes,
        compressPages, snapshotEveryBytes, retention, rollCycle, minFreeDiskBytes, decodeChanges, kafka);
  }

  public CaptureConfig withDurability(Durability d) {
    return new CaptureConfig(dataDir, databases, commitWindow, d, pollInterval, checkpointPages, truncateBytes,
        compressPages, snapshotEveryBytes, retention, rollCycle, minFreeDiskBytes, decodeChanges, kafka);
  }

  public CaptureConfig withCheckpoints(int pages, long truncateAtBytes) {
    return new CaptureConfig(dataDir, databases, commitWindow, durability, pollInterval, pages, truncateAtBytes,
        compressPages, snapshotEveryBytes, retention, rollCycle, minFreeDiskBytes, decodeChanges, kafka);
  }

  public CaptureConfig withRetention(long snapshotEvery, Duration keep, String cycle) {
    return new CaptureConfig(dataDir, databases, commitWindow, durability, pollInterval, checkpointPages,
        truncateBytes, compressPages, snapshotEvery, keep, cycle, minFreeDiskBytes, decodeChanges, kafka);
  }

  public CaptureConfig withMinFreeDiskBytes(long bytes) {
    return new CaptureConfig(dataDir, databases, commitWindow, durability, pollInterval, checkpointPages,
        truncateBytes, compressPages, snapshotEveryBytes, retention, rollCycle, bytes, decodeChanges, kafka);
  }

  public CaptureConfig withDecodeChanges(boolean decode) {
    return new CaptureConfig(dataDir, databases, commitWindow, durability, pollInterval, checkpointPages,
        truncateBytes, compressPages, snapshotEveryBytes, retention, rollCycle, minFreeDiskBytes, decode, kafka);
  }

  /** Publishes to Kafka as well ({@code null}: no Kafka). */
  public CaptureConfig withKafka(KafkaSettings k) {
    return new CaptureConfig(dataDir, databases, commitWindow, durability, pollInterval, checkpointPages,
        truncateBytes, compressPages, snapshotEveryBytes, retention, rollCycle, minFreeDiskBytes, decodeChanges,
        Optional.ofNullable(k));
  }

  public CaptureConfig withCompressPages(boolean compress) {
    return new CaptureConfig(dataDir, databases, commitWindow, durability, pollInterval, checkpointPages,
        truncateBytes, compress, snapshotEveryBytes, retention, rollCycle, minFreeDiskBytes, decodeChanges, kafka);
  }
}
