package io.walflow.replica.read;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.stats.CacheStats;
import io.walflow.ingest.change.Value;
import java.util.Arrays;
import java.util.Collection;
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
  /** A cached read: the row's slots, or none. */
  private record Entry(Value[] slots) {}

  private static final Entry ABSENT = new Entry(null);

  /** A row's identity: the table's key range and the encoded key. */
  public record Key(long tableId, byte[] key) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.tableId == tableId && Arrays.equals(k.key, key);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(tableId) * 31 + Arrays.hashCode(key);
    }
  }

  private final Cache<Key, Entry> cache;

  /** @param maxRows how many rows (and absent keys) to keep at most */
  public RowCache(long maxRows) {
    if (maxRows < 0) {
      throw new IllegalArgumentException("cache size must be >= 0: " + maxRows);
    }
    this.cache = Caffeine.newBuilder().maximumSize(maxRows).recordStats().build();
  }

  /** The row under {@code key}, loaded with {@code loader} on a miss. */
  public Optional<Value[]> get(Key key, Function<Key, Optional<Value[]>> loader) {
    Entry e = cache.get(key, k -> loader.apply(k).map(Entry::new).orElse(ABSENT));
    return Optional.ofNullable(e.slots());
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
