package io.walflow.replica;

import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A replica's configuration.
 *
 * @param region the region's name (letters, digits, {@code . _ -}); names the Kafka consumer group
 *     {@code walflow-replica-<region>}
 * @param dataDir the replica's own directory: RocksDB in {@code rocksdb/}, snapshots being
 *     received in {@code tmp/}; one per region
 * @param cacheRows how many rows the Caffeine cache holds at most
 * @param syncWrites whether each applied transaction is forced to disk (survives a machine crash;
 *     without it, a process crash)
 * @param minFreeDiskBytes applying pauses (state {@code disk_full}) rather than leave less than
 *     this free on the store's file system; 0: only when RocksDB itself finds no space
 */
public record ReplicaConfig(String region, Path dataDir, long cacheRows, boolean syncWrites, long minFreeDiskBytes) {
  private static final Pattern REGION = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  /** Default row-cache size. */
  public static final long DEFAULT_CACHE_ROWS = 100_000;

  /**
   * @throws IllegalArgumentException naming the bad value
   */
  public ReplicaConfig {
    Objects.requireNonNull(region, "region");
    Objects.requireNonNull(dataDir, "dataDir");
    if (!REGION.matcher(region).matches()) {
      throw new IllegalArgumentException("region must be 1-64 letters, digits, '.', '_' or '-': '" + region + "'");
    }
    if (cacheRows < 0) {
      throw new IllegalArgumentException("cacheRows must be >= 0: " + cacheRows);
    }
    if (minFreeDiskBytes < 0) {
      throw new IllegalArgumentException("minFreeDiskBytes must be >= 0: " + minFreeDiskBytes);
    }
  }

  /** Without a free-space floor of its own (a full disk is still caught when RocksDB reports it). */
  public ReplicaConfig(String region, Path dataDir, long cacheRows, boolean syncWrites) {
    this(region, dataDir, cacheRows, syncWrites, 0);
  }

  /** A replica for {@code region} in {@code dataDir}, with the default cache and no sync. */
  public static ReplicaConfig of(String region, Path dataDir) {
    return new ReplicaConfig(region, dataDir, DEFAULT_CACHE_ROWS, false);
  }

  public ReplicaConfig withCacheRows(long rows) {
    return new ReplicaConfig(region, dataDir, rows, syncWrites, minFreeDiskBytes);
  }

  public ReplicaConfig withSyncWrites(boolean sync) {
    return new ReplicaConfig(region, dataDir, cacheRows, sync, minFreeDiskBytes);
  }

  public ReplicaConfig withMinFreeDiskBytes(long bytes) {
    return new ReplicaConfig(region, dataDir, cacheRows, syncWrites, bytes);
  }
}
