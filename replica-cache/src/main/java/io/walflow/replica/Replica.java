package io.walflow.replica;

import com.github.benmanes.caffeine.cache.stats.CacheStats;
import io.walflow.ingest.change.Value;
import io.walflow.ingest.feed.TransactionSink;
import io.walflow.replica.apply.Applier;
import io.walflow.replica.apply.ApplyLoop;
import io.walflow.replica.apply.DatabaseReplica;
import io.walflow.replica.read.RowCache;
import io.walflow.replica.source.EntrySource;
import io.walflow.replica.store.KeyCodec;
import io.walflow.replica.store.ReplicaStore;
import io.walflow.replica.store.RowCodec;
import io.walflow.replica.store.TableSchema;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A regional read replica, in process: a RocksDB store that an apply thread keeps up to date from
 * an {@link EntrySource} (Kafka or the local log), and point reads and range scans through a
 * Caffeine row cache.
 *
 * <p>Every read reports the LSN it is consistent at: a point read returns the row as of that LSN
 * or later, never older; a range scan returns exactly the rows as of that LSN. A read may ask for
 * a minimum LSN ({@link Freshness}) and waits for it, or fails with {@link LsnTimeoutException}
 * carrying the replica's LSN. Unknown names fail with {@link UnknownNameException}, malformed keys
 * and cursors with {@link BadReadException}.
 *
 * <p>Thread-safe. Close order: the apply thread (finishing its transaction), the source, RocksDB.
 */
public final class Replica implements AutoCloseable {
  /** Largest page of a range scan. */
  public static final int MAX_LIMIT = 10_000;

  private final ReplicaConfig config;
  private final ReplicaStore store;
  private final RowCache cache;
  private final Applier applier;
  private final Clock clock;
  private ApplyLoop loop;
  /** Divergence repair for callers that feed {@link #sink} themselves ({@link #compareDigest}). */
  private io.walflow.replica.apply.DivergenceRepair digestRepair;

  private Replica(ReplicaConfig config, ReplicaStore store, Clock clock) {
    this.config = config;
    this.store = store;
    this.cache = new RowCache(config.cacheRows());
    this.applier = new Applier(store, cache);
    this.clock = clock;
  }

  /**
   * Opens the replica's store (creating it if new) with what it has applied before; call {@link
   * #start} to apply a source.
   *
   * @throws io.walflow.replica.store.StoreException when RocksDB cannot be opened
   */
  public static Replica open(ReplicaConfig config) {
    return new Replica(config, ReplicaStore.open(config.dataDir().resolve("rocksdb"), config.syncWrites(), config.minFreeDiskBytes()),
        Clock.systemUTC());
  }

  public ReplicaConfig config() {
    return config;
  }

  /**
   * Starts applying {@code source} on a thread of its own; the replica closes it.
   *
   * @throws IllegalStateException if a source was already started
   */
  public Replica start(EntrySource source) {
    return start(source, Optional.empty());
  }

  /**
   * Starts applying {@code source}; a gap (a missing LSN range) is filled from the capture node's
   * log through {@code repair}, or from its newest snapshot when the log no longer holds the range.
   *
   * @throws IllegalStateException if a source was already started
   */
  public synchronized Replica start(EntrySource source, Optional<io.walflow.replica.repair.LogRangeClient> repair) {
    if (loop != null) {
      throw new IllegalStateException("replica " + config.region() + " already applies a source");
    }
    source.begin(applier.databases().isEmpty(), store);
    loop = new ApplyLoop(source, applier, config.dataDir().resolve("tmp"), "replica-apply-" + config.region(), repair);
    loop.start();
    return this;
  }

  /**
   * The sink that applies transactions, for callers that drive a {@code ChangeFeed} themselves
   * instead of {@link #start}. Use from one thread, and not together with a started source.
   */
  public TransactionSink sink() {
    return applier;
  }

  /**
   * For callers that drive a {@code ChangeFeed} into {@link #sink} themselves, in the same thread:
   * compares {@code entry} (read after the commit of its LSN) with the replica and repairs the
   * buckets that differ from {@code buckets} (the same source at every call), as the apply loop
   * does, except that every digest set is scrubbed (what is found does not depend on timing).
   */
  public void compareDigest(io.walflow.ingest.LogEntry.Digest entry, String where,
      io.walflow.replica.repair.BucketSource buckets) {
    if (digestRepair == null) {
      digestRepair = new io.walflow.replica.apply.DivergenceRepair(applier, Optional.of(buckets), Optional.empty(),
          e -> {
            throw new IllegalStateException("no log to bootstrap " + e.db() + " again from");
          }, 100);
    }
    digestRepair.onDigest(entry, where);
  }

  /** Rows applied since start (snapshot rows included). */
  public long appliedRows() {
    return applier.appliedRows();
  }

  /** The databases the replica knows (applied, or waiting for their first snapshot). */
  public java.util.Set<String> databases() {
    return new java.util.TreeSet<>(applier.databases().keySet());
  }

  /**
   * Checks that {@code db} exists at the replica.
   *
   * @throws UnknownNameException listing the databases that do
   */
  public void requireDatabase(String db) {
    database(db);
  }

  /** The applied LSN of {@code db} ({@code -1} when nothing is applied). */
  public long lsn(String db) {
    DatabaseReplica d = applier.databases().get(db);
    return d == null ? -1 : d.lsn();
  }

  /**
   * Completes once {@code db} has applied {@code lsn} (with the applied LSN), also when the
   * replica has not seen {@code db} yet; never times out by itself.
   */
  public CompletableFuture<Long> awaitLsn(String db, long lsn) {
    return applier.appeared(db).thenCompose(d -> d.await(lsn));
  }

  /**
   * The row of {@code db}.{@code table} under {@code key}: the rowid (one integer) for a rowid
   * table, the primary-key values in primary-key order for a WITHOUT ROWID table.
   *
   * @throws UnknownNameException if the database or table does not exist at the replica
   * @throws BadReadException if the key does not fit the table
   * @throws LsnTimeoutException if {@code freshness} asks for an LSN not applied in time
   */
  public PointRead get(String db, String table, List<Value> key, Freshness freshness) {
    DatabaseReplica d = database(db);
    awaitFresh(d, freshness);
    d.readLock().lock();
    try {
      long lsn = d.lsn();
      TableSchema t = table(d, table);
      byte[] k;
      try {
        k = t.keyOf(key);
      } catch (IllegalArgumentException e) {
        throw new BadReadException(e.getMessage());
      }
      String where = "of " + db + "." + table;
      Optional<Map<String, Value>> row = cache.get(new RowCache.Key(t.id(), k),
          rk -> store.get(rk.tableId(), rk.key()).map(b -> t.toRow(RowCodec.decode(b, where))));
      return new PointRead(lsn, row);
    } finally {
      d.readLock().unlock();
    }
  }

  /**
   * Up to {@code limit} rows of {@code db}.{@code table} in key order, after the cursor {@code
   * after} (from the first row when empty), all as of one LSN.
   *
   * @throws UnknownNameException if the database or table does not exist at the replica
   * @throws BadReadException if the cursor is malformed or {@code limit} is not in 1..{@value #MAX_LIMIT}
   * @throws LsnTimeoutException if {@code freshness} asks for an LSN not applied in time
   */
  public RangeRead scan(String db, String table, Optional<String> after, int limit, Freshness freshness) {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new BadReadException("limit must be 1.." + MAX_LIMIT + ": " + limit);
    }
    DatabaseReplica d = database(db);
    awaitFresh(d, freshness);
    long lsn;
    TableSchema t;
    ReplicaStore.View view;
    d.readLock().lock();
    try {
      lsn = d.lsn();
      t = table(d, table);
      view = store.view();
    } finally {
      d.readLock().unlock();
    }
    try (view) {
      Optional<byte[]> from = after.map(c -> cursorKey(c, t));
      List<Map<String, Value>> rows = new ArrayList<>(Math.min(limit, 1024));
      List<List<Value>> keys = new ArrayList<>(Math.min(limit, 1024));
      List<String> pk = t.withoutRowid() ? t.primaryKey().stream().map(TableSchema.StoredColumn::name).toList() : List.of();
      byte[][] last = new byte[1][];
      String where = "of " + db + "." + table;
      boolean more = view.scan(t.id(), from, limit, (k, v) -> {
        Map<String, Value> row = t.toRow(RowCodec.decode(v, where));
        rows.add(row);
        keys.add(t.withoutRowid() ? keyValues(k, pk.stream().map(row::get).toList()) : List.of(Value.of(KeyCodec.rowidOf(k))));
        last[0] = k;
      });
      Optional<String> next = more ? Optional.of(Base64.getUrlEncoder().withoutPadding().encodeToString(last[0]))
          : Optional.empty();
      return new RangeRead(lsn, rows, keys, next);
    }
  }

  /**
   * The key values of a stored WITHOUT ROWID row: its primary-key columns (exact types), unless
   * they do not encode to the key it is stored under (a damaged store), then the stored key decoded.
   */
  private static List<Value> keyValues(byte[] stored, List<Value> fromRow) {
    if (!fromRow.contains(null) && java.util.Arrays.equals(KeyCodec.values(fromRow), stored)) {
      return fromRow;
    }
    return KeyCodec.decodeValues(stored, fromRow.size());
  }

  private static byte[] cursorKey(String cursor, TableSchema t) {
    byte[] k;
    try {
      k = Base64.getUrlDecoder().decode(cursor);
    } catch (IllegalArgumentException e) {
      throw new BadReadException("cursor '" + cursor + "' is not base64url: " + e.getMessage());
    }
    try {
      KeyCodec.check(k, t.withoutRowid() ? t.keyWidth() : 0);
    } catch (IllegalArgumentException e) {
      throw new BadReadException("cursor '" + cursor + "' is not a key of table " + t.name() + ": " + e.getMessage());
    }
    return k;
  }

  /** The table's primary-key column names (empty for a rowid table read by rowid). */
  public List<String> keyColumns(String db, String table) {
    DatabaseReplica d = database(db);
    TableSchema t = table(d, table);
    return t.withoutRowid() ? t.primaryKey().stream().map(TableSchema.StoredColumn::name).toList() : List.of();
  }

  /** The declared types of the key columns ({@code INTEGER} for a rowid). */
  public List<String> keyTypes(String db, String table) {
    DatabaseReplica d = database(db);
    TableSchema t = table(d, table);
    return t.withoutRowid() ? t.primaryKey().stream().map(TableSchema.StoredColumn::type).toList() : List.of("INTEGER");
  }

  private DatabaseReplica database(String db) {
    DatabaseReplica d = applier.databases().get(db);
    if (d == null) {
      throw new UnknownNameException("database", db, applier.databases().keySet());
    }
    return d;
  }

  private static TableSchema table(DatabaseReplica d, String table) {
    TableSchema t = d.tables().get(table);
    if (t == null) {
      throw new UnknownNameException("table", d.name() + "." + table, d.tables().keySet());
    }
    return t;
  }

  private static void awaitFresh(DatabaseReplica d, Freshness f) {
    if (f.minLsn() <= d.lsn()) {
      return;
    }
    try {
      d.await(f.minLsn()).get(f.timeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new LsnTimeoutException(d.name(), f.minLsn(), d.lsn(), f.timeout());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LsnTimeoutException(d.name(), f.minLsn(), d.lsn(), f.timeout());
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /**
   * One database's status (without the replica-wide figures, which measure the disk).
   *
   * @throws UnknownNameException if the replica does not know {@code db}
   */
  public DatabaseStatus status(String db) {
    return database(db).status(clock);
  }

  /** The replica's state: per database, the cache and the disk. */
  public ReplicaStatus status() {
    Map<String, DatabaseStatus> dbs = new TreeMap<>();
    applier.databases().forEach((name, d) -> dbs.put(name, d.status(clock)));
    CacheStats s = cache.stats();
    String source;
    synchronized (this) {
      source = loop == null ? "none" : loop.describe();
    }
    return new ReplicaStatus(config.region(), source, dbs, s.hitCount(), s.missCount(),
        s.requestCount() == 0 ? 0 : s.hitRate(), store.bytesOnDisk());
  }

  /** Stops applying (after the transaction in progress), closes the source, then RocksDB. */
  @Override
  public void close() {
    synchronized (this) {
      if (loop != null) {
        loop.close();
      }
    }
    store.close();
  }

}
