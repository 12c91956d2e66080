package io.walflow.replica.apply;

import io.walflow.replica.ApplyState;
import io.walflow.replica.DivergenceStats;
import io.walflow.replica.RepairStats;
import io.walflow.replica.DatabaseStatus;
import io.walflow.replica.store.ReplicaStore.Watermark;
import io.walflow.replica.store.TableSchema;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One database at the replica: its tables and watermark as published to readers, its apply state,
 * and the reads waiting for an LSN.
 *
 * <p>Publication is the one critical section that keeps reads atomic and the cache coherent:
 * {@link #publish} runs the RocksDB write and the cache invalidation under the write lock, then
 * swaps in the new tables and watermark; readers take the read lock to see a watermark, the
 * tables and the rows of the same LSN.
 */
public final class DatabaseReplica {
  private final String name;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private volatile Map<String, TableSchema> tables;
  private volatile Optional<Watermark> watermark;
  private volatile ApplyState state;
  private ApplyState beforeDiskFull = ApplyState.OK;
  private Optional<String> reasonBeforeDiskFull = Optional.empty();
  private volatile Optional<String> reason = Optional.empty();
  private volatile long newestSeen = -1;
  private volatile long snapshotLsn = -1;
  private volatile Optional<Instant> oldestPending = Optional.empty();
  private volatile RepairStats repair = RepairStats.NONE;
  private volatile DivergenceStats divergence = DivergenceStats.NONE;
  private final ConcurrentSkipListMap<Long, CopyOnWriteArrayList<CompletableFuture<Long>>> waiters =
      new ConcurrentSkipListMap<>();

  DatabaseReplica(String name, Optional<Watermark> watermark, Map<String, TableSchema> tables) {
    this.name = name;
    this.watermark = watermark;
    this.tables = Map.copyOf(tables);
    this.state = watermark.isPresent() ? ApplyState.OK : ApplyState.WAITING_FOR_SNAPSHOT;
    watermark.ifPresent(w -> newestSeen = w.lsn());
  }

  public String name() {
    return name;
  }

  /** The lock readers hold (read side) while they read tables, watermark and rows together. */
  public ReentrantReadWriteLock.ReadLock readLock() {
    return lock.readLock();
  }

  /** The published tables by name (immutable). */
  public Map<String, TableSchema> tables() {
    return tables;
  }

  public Optional<Watermark> watermark() {
    return watermark;
  }

  /** The applied LSN, {@code -1} before the first snapshot. */
  public long lsn() {
    return watermark.map(Watermark::lsn).orElse(-1L);
  }

  public ApplyState state() {
    return state;
  }

  /**
   * Runs {@code write} (the RocksDB batch and the cache invalidation) and publishes the new
   * tables and watermark, atomically for readers; then completes the waits it satisfies.
   */
  void publish(Runnable write, Map<String, TableSchema> newTables, Watermark newWatermark, boolean snapshot) {
    lock.writeLock().lock();
    try {
      write.run();
      if (newTables != tables) {
        tables = Map.copyOf(newTables);
      }
      watermark = Optional.of(newWatermark);
      if (snapshot) {
        snapshotLsn = newWatermark.lsn();
      }
      if (state == ApplyState.WAITING_FOR_SNAPSHOT || state == ApplyState.GAP) {
        state = ApplyState.OK;
        reason = Optional.empty();
      }
      if (newWatermark.lsn() >= newestSeen) {
        oldestPending = Optional.empty();
      }
    } finally {
      lock.writeLock().unlock();
    }
    var done = waiters.headMap(newWatermark.lsn(), true);
    while (!done.isEmpty()) {
      var e = done.pollFirstEntry();
      if (e == null) {
        break;
      }
      e.getValue().forEach(f -> f.complete(newWatermark.lsn()));
    }
  }

  /** Notes an entry seen in the source (for lag). */
  void seen(long lsn, Instant committedAt) {
    if (lsn > newestSeen) {
      newestSeen = lsn;
    }
    if (lsn > lsn() && oldestPending.isEmpty()) {
      oldestPending = Optional.of(committedAt);
    }
  }

  /** Stops applying this database (corrupt input, a failed store write). */
  void stop(String why) {
    state = ApplyState.STOPPED;
    reason = Optional.of(why);
  }

  /** A write was refused for lack of space: applying pauses here (see {@link ApplyState#DISK_FULL}). */
  void diskFull(String why) {
    if (state != ApplyState.DISK_FULL) {
      beforeDiskFull = state;
      reasonBeforeDiskFull = reason;
    }
    state = ApplyState.DISK_FULL;
    reason = Optional.of(why);
  }

  /** The write refused for lack of space went through: back to the state before it. */
  void diskSpaceBack() {
    if (state == ApplyState.DISK_FULL) {
      state = beforeDiskFull;
      reason = reasonBeforeDiskFull;
    }
  }

  /** An LSN is missing: stop applying commits until a snapshot arrives. */
  void gap(String why) {
    state = ApplyState.GAP;
    reason = Optional.of(why);
  }

  /** A gap is being filled from the capture node; reads go on at the applied LSN. */
  void repairing(String why) {
    state = ApplyState.REPAIRING;
    reason = Optional.of(why);
  }

  /** The gap is filled: applying goes on. */
  void repaired(boolean resnapshot, long entries, long bytes) {
    RepairStats r = repair;
    repair = new RepairStats(r.gapsRepaired() + (resnapshot ? 0 : 1), r.resnapshots() + (resnapshot ? 1 : 0),
        r.entriesFetched() + entries, r.bytesFetched() + bytes, r.failures());
    if (state == ApplyState.REPAIRING || state == ApplyState.GAP) {
      state = ApplyState.OK;
      reason = Optional.empty();
    }
  }

  /** A repair attempt failed: the database stays at its gap. */
  void repairFailed(String why, long bytes) {
    RepairStats r = repair;
    repair = new RepairStats(r.gapsRepaired(), r.resnapshots(), r.entriesFetched(), r.bytesFetched() + bytes, r.failures() + 1);
    if (state != ApplyState.STOPPED) {
      gap(why);
    }
  }

  /**
   * Completes with the applied LSN once it is at least {@code lsn} (at once if it already is).
   * The caller times the future out.
   */
  public CompletableFuture<Long> await(long lsn) {
    long now = lsn();
    if (now >= lsn) {
      return CompletableFuture.completedFuture(now);
    }
    CompletableFuture<Long> f = new CompletableFuture<>();
    waiters.computeIfAbsent(lsn, k -> new CopyOnWriteArrayList<>()).add(f);
    now = lsn();
    if (now >= lsn) {
      f.complete(now); // published between the first check and the registration
    }
    f.whenComplete((v, t) -> {
      var list = waiters.get(lsn);
      if (list != null) {
        list.remove(f);
      }
    });
    return f;
  }

  /** Updates the divergence repair figures (apply thread only). */
  void divergence(java.util.function.UnaryOperator<DivergenceStats> update) {
    divergence = update.apply(divergence);
  }

  /** This database's status as of {@code clock}. */
  public DatabaseStatus status(Clock clock) {
    long applied = lsn();
    long newest = Math.max(newestSeen, applied);
    long lagMs = oldestPending.map(t -> Math.max(0, clock.millis() - t.toEpochMilli())).orElse(0L);
    return new DatabaseStatus(name, applied, watermark.map(Watermark::committedAt), newest,
        newest - applied, newest > applied ? lagMs : 0, state, reason, tables.size(), snapshotLsn, repair, divergence);
  }
}
