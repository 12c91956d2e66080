package io.walflow.replica.read;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import io.walflow.ingest.change.Value;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * A Caffeine cache of stored rows (and of known-absent keys) by (table id, key).
 *
 * <p>Coherence is the caller's: apply invalidates the keys a transaction wrote while it holds the
 * database's write lock, in the same critical section as the RocksDB write, and reads load
 * through the cache while holding the read lock, so a row older than the watermark can never be
 * put back after its invalidation.
 */
public final class RowCache {
  /** A cached read: the row by column name (immutable), or none. */
  private record Entry(Map<String, Value> row) {}

  private static final Entry ABSENT = new Entry(null);

  /** A row's identity: the table's key range and the encoded key (its hash computed once). */
  public static final class Key {
    private final long tableId;
    private final byte[] key;
    private final int hash;

    public Key(long tableId, byte[] key) {
      this.tableId = tableId;
      this.key = key;
      this.hash = Long.hashCode(tableId) * 31 + Arrays.hashCode(key);
    }

    public long tableId() {
      return tableId;
    }

    public byte[] key() {
      return key;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.hash == hash && k.tableId == tableId && Arrays.equals(k.key, key);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  private final Cache<Key, Entry> cache;

  /** @param maxRows how many rows (and absent keys) to keep at most */
  public RowCache(long maxRows) {
    if (maxRows < 0) {
      throw new IllegalArgumentException("cache size must be >= 0: " + maxRows);
    }
    // Maintenance (eviction) on the calling thread: no hand-off to a pool on a small machine.
    this.cache = Caffeine.newBuilder().maximumSize(maxRows).executor(Runnable::run).recordStats().build();
  }

  /**
   * The row under {@code key}, loaded with {@code loader} on a miss. Rows are cached by column
   * name, so a change of the table's columns must invalidate the table.
   */
  public Optional<Map<String, Value>> get(Key key, Function<Key, Optional<Map<String, Value>>> loader) {
    Entry e = cache.get(key, k -> loader.apply(k).map(r -> new Entry(Collections.unmodifiableMap(r))).orElse(ABSENT));
    return Optional.ofNullable(e.row());
  }

  /** Forgets the given rows. */
  public void invalidate(Collection<Key> keys) {
    cache.invalidateAll(keys);
  }

  /** Forgets every row of the given tables. */
  public void invalidateTables(Set<Long> tableIds) {
    if (!tableIds.isEmpty()) {
      cache.asMap().keySet().removeIf(k -> tableIds.contains(k.tableId()));
    }
  }

  /** Hit and miss counts since creation. */
  public CacheStats stats() {
    return cache.stats();
  }
}
