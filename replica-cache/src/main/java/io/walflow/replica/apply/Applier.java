package io.walflow.replica.apply;

import io.walflow.ingest.change.Change;
import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.change.RowChange;
import io.walflow.ingest.change.SchemaChange;
import io.walflow.ingest.feed.TransactionSink;
import io.walflow.replica.ApplyState;
import io.walflow.replica.read.RowCache;
import io.walflow.replica.store.DiskFullException;
import io.walflow.replica.store.ReplicaStore;
import io.walflow.replica.store.ReplicaStore.Watermark;
import io.walflow.replica.store.StoreBatch;
import io.walflow.replica.store.StoreException;
import io.walflow.replica.store.TableSchema;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies transactions to the replica's store: each commit as one {@link StoreBatch} with the
 * database's new watermark, published to readers together with its cache invalidations.
 *
 * <p>Per database: an LSN at or below the watermark is a redelivery and is skipped; an LSN above
 * watermark + 1 is a gap, which stops applying commits (the database keeps serving what it has)
 * until a snapshot replaces it. A snapshot newer than the watermark (or the first one) replaces the
 * database: its tables are staged under fresh table ids, in as many batches as its size needs
 * (invisible to readers, and dropped on restart if the process stops meanwhile), then swapped in
 * with the watermark in one final batch. A failed store write or an inconsistent change stops
 * the database with the reason. Called from one thread (the apply loop).
 */
public final class Applier implements TransactionSink {
  private static final Logger LOG = LoggerFactory.getLogger(Applier.class);
  /** A staged snapshot is written in batches of about this many bytes. */
  private static final long SNAPSHOT_BATCH_BYTES = 8 << 20;

  private final ReplicaStore store;
  private final RowCache cache;
  private final Map<String, DatabaseReplica> databases = new ConcurrentHashMap<>();
  private final AtomicLong nextTableId;
  private final Map<String, CompletableFuture<DatabaseReplica>> appeared = new ConcurrentHashMap<>();
  private final Map<String, StagedSnapshot> staged = new HashMap<>();
  private final AtomicLong appliedTransactions = new AtomicLong();
  private final AtomicLong appliedRows = new AtomicLong();
  private final ReplicaDigests digests;
  /** Databases whose next snapshot at exactly their watermark replaces them (divergence repair's resnapshot). */
  private final Set<String> replaceAtWatermark = new HashSet<>();

  public Applier(ReplicaStore store, RowCache cache) {
    this.store = store;
    this.cache = cache;
    for (ReplicaStore.StoredDatabase d : store.load()) {
      databases.put(d.db(), new DatabaseReplica(d.db(), Optional.of(d.watermark()), d.tables()));
    }
    this.nextTableId = new AtomicLong(store.nextTableId());
    this.digests = new ReplicaDigests(store, databases);
  }

  /**
   * Lets the next snapshot of {@code db} replace it even at exactly its watermark (rows repaired
   * from a snapshot of the LSN the replica claims: readers never go back in LSN).
   */
  void replaceAtWatermark(String db) {
    replaceAtWatermark.add(db);
  }

  ReplicaStore store() {
    return store;
  }

  RowCache cache() {
    return cache;
  }

  ReplicaDigests digests() {
    return digests;
  }

  /** The databases known so far, by name (live view). */
  public Map<String, DatabaseReplica> databases() {
    return databases;
  }

  /** The database named {@code db}, registered (waiting for a snapshot) if new. */
  public DatabaseReplica database(String db) {
    DatabaseReplica d = databases.get(db);
    if (d == null) {
      d = databases.computeIfAbsent(db, n -> new DatabaseReplica(n, Optional.empty(), Map.of()));
      CompletableFuture<DatabaseReplica> f = appeared.remove(db);
      if (f != null) {
        f.complete(d);
      }
    }
    return d;
  }

  /** Completes once {@code db} is known (at once if it is). */
  public CompletableFuture<DatabaseReplica> appeared(String db) {
    DatabaseReplica d = databases.get(db);
    if (d != null) {
      return CompletableFuture.completedFuture(d);
    }
    CompletableFuture<DatabaseReplica> f = appeared.computeIfAbsent(db, n -> new CompletableFuture<>());
    d = databases.get(db);
    if (d != null) {
      f.complete(d); // registered between the two looks
    }
    return f;
  }

  /** Transactions applied since start (snapshots included). */
  public long appliedTransactions() {
    return appliedTransactions.get();
  }

  /** Row changes applied since start. */
  public long appliedRows() {
    return appliedRows.get();
  }

  /** Notes an entry that the source delivered (for lag). */
  public void seen(String db, long lsn, Instant committedAt) {
    database(db).seen(lsn, committedAt);
  }

  /** Stops applying {@code db}, with the reason shown in its status. */
  public void stop(String db, String reason) {
    LOG.error("database {} stopped: {}", db, reason);
    database(db).stop(reason);
    StagedSnapshot s = staged.remove(db);
    if (s != null) {
      s.discard();
    }
  }

  /** Whether a commit of {@code db} at {@code lsn} would change anything (not a redelivery, not stopped). */
  public boolean wants(String db, long lsn) {
    DatabaseReplica d = database(db);
    return d.state() != ApplyState.STOPPED && d.watermark().isPresent() && lsn > d.lsn();
  }

  @Override
  public void commit(String db, long lsn, Instant committedAt, ChangeSet changes) {
    DatabaseReplica d = database(db);
    if (d.state() == ApplyState.STOPPED || d.watermark().isEmpty() || lsn <= d.lsn()) {
      return; // stopped, waiting for its first snapshot, or a redelivery
    }
    if (lsn != d.lsn() + 1) {
      if (d.state() != ApplyState.GAP) {
        String why = "gap: LSN " + lsn + " arrived after LSN " + d.lsn() + " (missing " + (d.lsn() + 1) + ".."
            + (lsn - 1) + "); waiting for a snapshot";
        LOG.warn("database {}: {}", db, why);
        d.gap(why);
      }
      return;
    }
    // Copied only when the schema changes: the published map is immutable.
    Map<String, TableSchema> tables = changes.schemaChanges().isEmpty() ? d.tables() : new HashMap<>(d.tables());
    Set<Long> droppedIds = new HashSet<>();
    List<RowCache.Key> touched = new ArrayList<>();
    long idBefore = nextTableId.get();
    try (StoreBatch batch = store.batch()) {
      for (SchemaChange s : changes.schemaChanges()) {
        applySchema(db, s, tables, batch, droppedIds);
      }
      for (RowChange r : changes.rowChanges()) {
        TableSchema t = tables.get(r.table());
        if (t == null) {
          throw new IllegalArgumentException("row change of unknown table " + r.table());
        }
        byte[] key = t.keyOf(r);
        switch (r.op()) {
          case INSERT, UPDATE -> batch.putRow(t.id(), key, t.toSlots(r.after()));
          case DELETE -> batch.deleteRow(t.id(), key);
        }
        touched.add(new RowCache.Key(t.id(), key));
      }
      if (nextTableId.get() != idBefore) {
        batch.putNextTableId(nextTableId.get());
      }
      digests.onCommit(db, changes, d.tables(), tables, batch);
      batch.putWatermark(db, lsn, committedAt);
      d.publish(() -> {
        store.write(batch);
        cache.invalidate(touched);
        cache.invalidateTables(droppedIds);
      }, tables, new Watermark(lsn, committedAt), false);
      appliedTransactions.incrementAndGet();
      appliedRows.addAndGet(changes.rowChanges().size());
    } catch (DiskFullException e) {
      digests.forget(db, Optional.empty(), List.of()); // it followed the batch that was not written
      throw e; // nothing written: the apply loop tries this transaction again once space is back
    } catch (StoreException | IllegalArgumentException e) {
      digests.forget(db, Optional.empty(), List.of());
      stop(db, "cannot apply LSN " + lsn + ": " + e.getMessage());
    }
  }

  private void applySchema(String db, SchemaChange s, Map<String, TableSchema> tables, StoreBatch batch, Set<Long> dropped) {
    switch (s.op()) {
      case CREATE_TABLE -> {
        if (s.columns().isEmpty()) {
          return; // a virtual table: its rows live in its shadow tables
        }
        TableSchema old = tables.get(s.table());
        if (old != null) {
          throw new IllegalArgumentException("create of existing table " + s.table());
        }
        TableSchema t = TableSchema.created(s, nextTableId.getAndIncrement());
        tables.put(t.name(), t);
        batch.putSchema(db, t);
      }
      case DROP_TABLE -> {
        TableSchema old = tables.remove(s.table());
        if (old != null) {
          batch.deleteSchema(db, old.name());
          batch.deleteTable(old.id());
          dropped.add(old.id());
        }
      }
      case ALTER_TABLE -> {
        String from = s.previousName().orElse(s.table());
        TableSchema old = tables.remove(from);
        if (old == null) {
          throw new IllegalArgumentException("alter of unknown table " + from);
        }
        TableSchema t = old.altered(s);
        dropped.add(old.id()); // cached rows are by column name: forget the table's
        if (!from.equals(t.name())) {
          batch.deleteSchema(db, from);
        }
        tables.put(t.name(), t);
        batch.putSchema(db, t);
      }
      default -> { } // indexes, views and triggers hold no rows of their own
    }
  }

  @Override
  public void snapshotBegin(String db, long lsn, Instant committedAt) {
    DatabaseReplica d = database(db);
    StagedSnapshot previous = staged.remove(db);
    if (previous != null) {
      previous.discard();
    }
    boolean replace = replaceAtWatermark.remove(db) && d.watermark().isPresent() && lsn == d.lsn();
    if (d.state() == ApplyState.STOPPED || (d.watermark().isPresent() && lsn <= d.lsn() && !replace)) {
      return; // a retention snapshot of what is applied, or an older one
    }
    staged.put(db, new StagedSnapshot(db, lsn, committedAt));
  }

  @Override
  public void snapshotChange(String db, long lsn, Change change) {
    StagedSnapshot s = staged.get(db);
    if (s == null || s.lsn != lsn) {
      return;
    }
    try {
      s.add(change);
    } catch (StoreException | IllegalArgumentException e) {
      stop(db, "cannot apply the snapshot at LSN " + lsn + ": " + e.getMessage());
    }
  }

  @Override
  public void snapshotEnd(String db, long lsn) {
    StagedSnapshot s = staged.remove(db);
    if (s == null || s.lsn != lsn) {
      return;
    }
    try {
      s.finish();
    } catch (StoreException | IllegalArgumentException e) {
      stop(db, "cannot apply the snapshot at LSN " + lsn + ": " + e.getMessage());
    } finally {
      s.close();
    }
  }

  /** A snapshot being written under fresh table ids, invisible until {@link #finish}. */
  private final class StagedSnapshot {
    final String db;
    final long lsn;
    final Instant committedAt;
    final Map<String, TableSchema> tables = new HashMap<>();
    final List<Long> ids = new ArrayList<>();
    StoreBatch batch = store.batch();
    long rows;

    StagedSnapshot(String db, long lsn, Instant committedAt) {
      this.db = db;
      this.lsn = lsn;
      this.committedAt = committedAt;
    }

    void add(Change change) {
      if (change instanceof SchemaChange sc) {
        if (sc.op() == io.walflow.ingest.change.SchemaOp.CREATE_TABLE && !sc.columns().isEmpty()) {
          TableSchema t = TableSchema.created(sc, nextTableId.getAndIncrement());
          tables.put(t.name(), t);
          ids.add(t.id());
          batch.putStaged(db, ids); // recorded before any of its rows reach the store
          batch.putNextTableId(nextTableId.get());
        }
        return;
      }
      RowChange r = (RowChange) change;
      TableSchema t = tables.get(r.table());
      if (t == null) {
        throw new IllegalArgumentException("snapshot row of unknown table " + r.table());
      }
      batch.putRow(t.id(), t.keyOf(r), t.toSlots(r.after()));
      rows++;
      if (batch.size() >= SNAPSHOT_BATCH_BYTES) {
        store.write(batch);
        batch.close();
        batch = store.batch();
      }
    }

    void finish() {
      DatabaseReplica d = database(db);
      Map<String, TableSchema> old = d.tables();
      Set<Long> oldIds = new HashSet<>();
      for (TableSchema t : old.values()) {
        batch.deleteSchema(db, t.name());
        batch.deleteTable(t.id());
        oldIds.add(t.id());
      }
      for (TableSchema t : tables.values()) {
        batch.putSchema(db, t);
      }
      batch.deleteStaged(db);
      batch.putNextTableId(nextTableId.get());
      digests.forget(db, Optional.of(batch), old.values()); // built again from the stored rows when next compared
      batch.putWatermark(db, lsn, committedAt);
      d.publish(() -> {
        store.write(batch);
        cache.invalidateTables(oldIds);
      }, tables, new Watermark(lsn, committedAt), true);
      appliedTransactions.incrementAndGet();
      appliedRows.addAndGet(rows);
      LOG.info("database {}: snapshot at LSN {} applied ({} tables, {} rows)", db, lsn, tables.size(), rows);
    }

    void close() {
      batch.close();
    }

    /** Drops what was staged (the snapshot was abandoned before its end). */
    void discard() {
      batch.close();
      if (!ids.isEmpty()) {
        try (StoreBatch drop = store.batch()) {
          ids.forEach(drop::deleteTable);
          drop.deleteStaged(db);
          store.write(drop);
        } catch (StoreException e) {
          LOG.warn("database {}: cannot drop an abandoned staged snapshot (dropped at the next start): {}", db, e.getMessage());
        }
      }
    }
  }
}
