package io.walflow.replica;

import java.util.Map;

/**
 * A replica's state.
 *
 * @param region the replica's region
 * @param source where it reads the log from and how that goes (e.g. "kafka localhost:9092: ok")
 * @param databases per database, by name
 * @param cacheHits row-cache hits since start
 * @param cacheMisses row-cache misses since start
 * @param cacheHitRate hits / (hits + misses); 0 before any read
 * @param bytesOnDisk bytes of the RocksDB directory
 */
public record ReplicaStatus(
    String region,
    String source,
    Map<String, DatabaseStatus> databases,
    long cacheHits,
    long cacheMisses,
    double cacheHitRate,
    long bytesOnDisk) {
  public ReplicaStatus {
    databases = Map.copyOf(databases);
  }
}
