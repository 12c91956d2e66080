package io.walflow.dataflow;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.walflow.dataflow.eval.SqliteEvalException;
import io.walflow.dataflow.graph.BaseTable;
import io.walflow.dataflow.graph.Graph;
import io.walflow.dataflow.graph.Key;
import io.walflow.dataflow.graph.Migration;
import io.walflow.dataflow.graph.MissingTableException;
import io.walflow.dataflow.graph.Node;
import io.walflow.dataflow.graph.ReaderNode;
import io.walflow.dataflow.graph.Row;
import io.walflow.dataflow.graph.ViewGraph;
import io.walflow.dataflow.plan.ViewPlan;
import io.walflow.dataflow.sql.Catalog;
import io.walflow.dataflow.sql.QueryPlanner;
import io.walflow.dataflow.state.BaseStore;
import io.walflow.ingest.change.Change;
import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.change.RowChange;
import io.walflow.ingest.change.SchemaChange;
import io.walflow.ingest.change.SchemaOp;
import io.walflow.ingest.change.Value;
import io.walflow.ingest.feed.TransactionSink;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The incremental view engine: consumes the change stream as a {@link TransactionSink} and
 * maintains every view's rows transaction by transaction.
 *
 * <p><b>Atomicity.</b> One read/write lock guards the whole graph. A transaction (a commit, or a
 * snapshot's end) is applied to the base-table store and to every operator under the write lock,
 * and the database's watermark moves to its LSN before the lock is released: lookups (read lock)
 * see all of a transaction or none of it. Subscribers' deltas are computed under the lock and
 * delivered, in LSN order, right after it is released, on the feeding thread.
 *
 * <p><b>Partial state.</b> With {@link DataflowConfig#partialState()}, a view whose key traces to
 * its stateful operators starts empty; a lookup of a missing key runs an upquery (under the write
 * lock, so it sees exactly the state at the watermark and never races a transaction) that fills the
 * key in the reader and in the view's partial operators. Filled keys are weighed (estimated bytes)
 * in a Caffeine cache bounded by {@link DataflowConfig#memoryBoundBytes()}; evicted keys are
 * forgotten at the next write-locked step. Subscribed keys are pinned outside the cache.
 *
 * <p><b>Adding views.</b> {@link #createView(String, ViewPlan)} builds a view from a store snapshot
 * off the lock and replays the transactions that arrived meanwhile, so other views do not pause
 * (see {@link Migration}).
 *
 * <p>Call {@link #close()} last: open subscriptions get {@link ViewListener#onClose()}, then the
 * workers stop and the store closes.
 */
public final class Dataflow implements ViewEngine, TransactionSink, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Dataflow.class);
  /** Rows of a snapshot written to the store per batch. */
  private static final int SNAPSHOT_BATCH = 2_000;
  /** Builds of a view off the lock restarted by schema changes before it is built under the lock. */
  private static final int MIGRATION_ATTEMPTS = 3;

  private final DataflowConfig config;
  private final BaseStore store;
  private final ForkJoinPool workers;
  private final Graph graph;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  /**
   * Called with the view's name when a view starts its backfill off the lock (after its snapshot);
   * tests use it to run transactions at that point, and the other views must keep applying them.
   */
  volatile java.util.function.Consumer<String> beforeBackfill = name -> { };
  /** Held (shared) by views being built off {@link #lock}; {@link #close()} waits for them. */
  private final ReentrantReadWriteLock building = new ReentrantReadWriteLock();
  private final Map<String, View> views = new LinkedHashMap<>();
  private final Map<String, Long> watermarks = new ConcurrentHashMap<>();
  private final Object progress = new Object();
  private final Map<String, Staging> snapshots = new HashMap<>();
  private final Cache<CachedKey, Long> keys;
  private final ConcurrentLinkedQueue<CachedKey> evicted = new ConcurrentLinkedQueue<>();
  private volatile boolean closed;
  /** The schema queries are planned against; replaced (immutable) under the write lock. */
  private volatile Catalog catalog = Catalog.empty();
  private final java.util.concurrent.atomic.AtomicLong evictions = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong upqueries = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong readerHits = new java.util.concurrent.atomic.AtomicLong();

  /** A filled key of a partial view, weighed in the cache. */
  private record CachedKey(String view, Key key) {}

  private Dataflow(DataflowConfig config) {
    this.config = config;
    this.store = BaseStore.open(config.dataDir().resolve("base"));
    this.workers = config.workerThreads() > 1
        ? new ForkJoinPool(config.workerThreads(), pool -> {
          ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
          t.setName("walflow-dataflow-worker-" + t.getPoolIndex());
          t.setDaemon(true);
          return t;
        }, null, false)
        : null;
    this.graph = new Graph(store, workers);
    this.keys = Caffeine.newBuilder()
        .maximumWeight(config.memoryBoundBytes())
        .weigher((CachedKey k, Long bytes) -> (int) Math.min(Integer.MAX_VALUE, bytes))
        .executor(Runnable::run)
        .evictionListener((CachedKey k, Long bytes, RemovalCause cause) -> {
          if (k != null && cause.wasEvicted()) {
            evicted.add(k);
          }
        })
        .build();
  }

  /** Starts an engine with an empty store; feed it from the log (a snapshot first). */
  public static Dataflow open(DataflowConfig config) {
    return new Dataflow(config);
  }

  /** The configuration it runs with. */
  public DataflowConfig config() {
    return config;
  }

  // ---- views -------------------------------------------------------------------------------

  /**
   * Compiles {@code sql} against the captured databases' current schema ({@link QueryPlanner}) and
   * starts maintaining it (see {@link #createView(String, ViewPlan)}).
   */
  @Override
  public ViewInfo createView(String name, String sql) throws QueryException {
    return createView(name, QueryPlanner.plan(sql, catalog));
  }

  /**
   * Starts maintaining a compiled view without pausing the others (a migration, see {@link
   * Migration}): under the lock only a store snapshot is taken; the view's operators are built and
   * backfilled from it off the lock while transactions keep flowing to every other view, the
   * transactions that arrived meanwhile are replayed into them, and then, briefly under the lock,
   * the view joins the live graph (sharing the operators of equal sub-plans). A partial view starts
   * empty and answers its first read with an upquery; only its full parts (a full view, the full
   * side of a partial join) are backfilled. When a schema change or snapshot of the database
   * arrives during the build, it starts again; after {@value #MIGRATION_ATTEMPTS} such attempts it is
   * built under the lock.
   *
   * @throws QueryException when a table or column of the plan does not exist, the view cannot be
   *     computed on the current rows, or its full state would exceed the memory bound; nothing
   *     changes and no other view is affected
   * @throws IllegalArgumentException when a view with that name exists
   */
  public ViewInfo createView(String name, ViewPlan plan) throws QueryException {
    for (int attempt = 1; ; attempt++) {
      View v = new View(name, plan);
      Migration m;
      lock.writeLock().lock();
      try {
        checkOpen();
        requireNewName(name);
        drainEvictions();
        if (attempt > MIGRATION_ATTEMPTS) {
          return createLocked(v);
        }
        m = graph.migrate(name, plan, config.partialState(), v.watched);
      } catch (MissingTableException e) {
        throw new QueryException(e.getMessage(), 0, 0);
      } finally {
        lock.writeLock().unlock();
      }
      RuntimeException failed = null;
      building.readLock().lock();
      try {
        checkOpen();
        beforeBackfill.accept(name);
        m.build();
        m.catchUp();
      } catch (MissingTableException | SqliteEvalException e) {
        failed = e;
      } catch (RuntimeException e) {
        abandon(m);
        throw e;
      } finally {
        building.readLock().unlock();
      }
      lock.writeLock().lock();
      try {
        if (closed || m.stale()) {
          graph.abandon(m);
          checkOpen();
          LOG.info("view {}: the schema of {} changed while it was built; building it again", name, plan.db());
          continue;
        }
        if (failed == null) {
          try {
            m.catchUp();
          } catch (SqliteEvalException e) {
            failed = e;
          }
        }
        if (failed != null) {
          graph.abandon(m);
          throw failed instanceof MissingTableException
              ? new QueryException(failed.getMessage(), 0, 0)
              : new QueryException("view '" + name + "' cannot be computed on the current rows: " + failed.getMessage(),
                  0, 0);
        }
        requireNewName(name, m);
        long full = m.fullStateBytes();
        if (full > config.memoryBoundBytes()) {
          graph.abandon(m);
          throw tooLarge(name, full);
        }
        v.graph = graph.finish(m);
        views.put(name, v);
        LOG.info("view {} created off the lock ({} state, {} transactions replayed, {} operators in the graph)", name,
            v.graph.partial() ? "partial" : "full", m.replayed(), graph.size());
        return v.info(watermark(plan.db()));
      } finally {
        lock.writeLock().unlock();
      }
    }
  }

  private void abandon(Migration m) {
    lock.writeLock().lock();
    try {
      graph.abandon(m);
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void requireNewName(String name) {
    if (views.containsKey(name)) {
      throw new IllegalArgumentException("a view named '" + name + "' exists");
    }
  }

  private void requireNewName(String name, Migration m) {
    if (views.containsKey(name)) {
      graph.abandon(m);
      requireNewName(name);
    }
  }

  private QueryException tooLarge(String name, long full) {
    return new QueryException("view '" + name + "' would hold about " + full + " bytes of state, more than the "
        + "memory bound of " + config.memoryBoundBytes() + " bytes (its key cannot be made partial here)", 0, 0);
  }

  /** Builds a view under the write lock (held), pausing the others while its state is backfilled. */
  private ViewInfo createLocked(View v) throws QueryException {
    String name = v.name;
    try {
      v.graph = graph.build(name, v.plan, config.partialState(), v.watched);
    } catch (MissingTableException e) {
      throw new QueryException(e.getMessage(), 0, 0);
    } catch (SqliteEvalException e) {
      throw new QueryException("view '" + name + "' cannot be computed on the current rows: " + e.getMessage(), 0, 0);
    }
    long full = v.graph.fullStateBytes();
    if (full > config.memoryBoundBytes()) {
      graph.release(v.graph);
      throw tooLarge(name, full);
    }
    views.put(name, v);
    LOG.info("view {} created under the lock ({} state, {} operators in the graph)", name,
        v.graph.partial() ? "partial" : "full", graph.size());
    return v.info(watermark(v.plan.db()));
  }

  @Override
  public void dropView(String name) {
    List<Runnable> events = new ArrayList<>();
    lock.writeLock().lock();
    try {
      View v = requireView(name);
      views.remove(name);
      closeView(v, events);
      keys.asMap().keySet().removeIf(k -> k.view().equals(name));
    } finally {
      lock.writeLock().unlock();
    }
    events.forEach(Runnable::run);
  }

  private void closeView(View v, List<Runnable> events) {
    if (v.graph != null) {
      graph.release(v.graph);
      v.graph = null;
    }
    for (List<View.Subscription> subs : v.subscriptions.values()) {
      for (View.Subscription s : subs) {
        s.open = false;
        events.add(s.listener::onClose);
      }
    }
    v.subscriptions.clear();
    v.watched.clear();
  }

  @Override
  public List<ViewInfo> views() {
    lock.readLock().lock();
    try {
      return views.values().stream().map(v -> v.info(watermark(v.plan.db()))).toList();
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public Optional<ViewInfo> view(String name) {
    lock.readLock().lock();
    try {
      return Optional.ofNullable(views.get(name)).map(v -> v.info(watermark(v.plan.db())));
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Why a view failed, when it did. */
  public Optional<String> failure(String name) {
    lock.readLock().lock();
    try {
      return Optional.ofNullable(requireView(name).failure);
    } finally {
      lock.readLock().unlock();
    }
  }

  private View requireView(String name) {
    View v = views.get(name);
    if (v == null) {
      throw new NoSuchViewException(name, List.copyOf(views.keySet()));
    }
    return v;
  }

  private static void checkUsable(View v) {
    if (v.failure != null) {
      throw new ViewFailedException(v.failure);
    }
  }

  private long watermark(String db) {
    return watermarks.getOrDefault(db, 0L);
  }

  // ---- reads -------------------------------------------------------------------------------

  @Override
  public ViewResult lookup(String view, List<Value> params, long minLsn, Duration timeout)
      throws LookupTimeoutException {
    String db;
    lock.readLock().lock();
    try {
      db = requireView(view).plan.db();
    } finally {
      lock.readLock().unlock();
    }
    awaitWatermark(view, db, minLsn, timeout);
    lock.readLock().lock();
    try {
      View v = requireView(view);
      checkUsable(v);
      Value[] p = v.coerce(params);
      Key k = View.key(p);
      List<Row> rows = k == null ? List.of() : v.graph.reader().rows(k);
      if (rows != null) {
        readerHits.incrementAndGet();
        if (v.graph.partial() && k != null) {
          keys.getIfPresent(new CachedKey(view, k));
        }
        return new ViewResult(watermark(db), v.plan.columnNames(), v.visible(rows, p));
      }
    } finally {
      lock.readLock().unlock();
    }
    lock.writeLock().lock();
    try {
      View v = requireView(view);
      checkUsable(v);
      Value[] p = v.coerce(params);
      Key k = View.key(p);
      drainEvictions();
      List<Row> rows = fill(v, k);
      return new ViewResult(watermark(db), v.plan.columnNames(), v.visible(rows, p));
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public Optional<ViewResult> tryLookup(String view, Function<ViewInfo, List<Value>> params, long minLsn) {
    // Never barge ahead of a waiting writer (tryLock would): a stream of lookups answered on the
    // event loops must not hold transactions back; declining sends the lookup the queued way.
    if (lock.hasQueuedThreads() || !lock.readLock().tryLock()) {
      return Optional.empty();
    }
    try {
      View v = requireView(view);
      checkUsable(v);
      long watermark = watermark(v.plan.db());
      if (watermark < minLsn) {
        return Optional.empty();
      }
      Value[] p = v.coerce(params.apply(v.info(watermark)));
      Key k = View.key(p);
      List<Row> rows = k == null ? List.of() : v.graph.reader().rows(k);
      if (rows == null) {
        return Optional.empty();
      }
      readerHits.incrementAndGet();
      if (v.graph.partial() && k != null) {
        keys.getIfPresent(new CachedKey(view, k));
      }
      return Optional.of(new ViewResult(watermark, v.plan.columnNames(), v.visible(rows, p)));
    } finally {
      lock.readLock().unlock();
    }
  }

  /** The key's rows, filled by an upquery when missing (write lock held). */
  private List<Row> fill(View v, Key k) {
    ReaderNode reader = v.graph.reader();
    List<Row> rows = reader.rows(k);
    if (rows != null) {
      return rows;
    }
    upqueries.incrementAndGet();
    try {
      reader.fill(k);
    } catch (SqliteEvalException e) {
      v.graph.evict(k);
      throw new ViewFailedException("view '" + v.name + "' cannot compute key " + k + ": " + e.getMessage());
    }
    long bytes = v.graph.keyBytes(k);
    if (bytes > config.memoryBoundBytes()) {
      v.graph.evict(k);
      throw new StateBudgetException("view '" + v.name + "': key " + k + " needs about " + bytes
          + " bytes of state, more than the memory bound of " + config.memoryBoundBytes() + " bytes");
    }
    if (!v.watched.contains(k)) {
      keys.put(new CachedKey(v.name, k), bytes);
    }
    return reader.rows(k);
  }

  private void awaitWatermark(String view, String db, long minLsn, Duration timeout) throws LookupTimeoutException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (progress) {
      while (watermark(db) < minLsn) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || closed) {
          throw new LookupTimeoutException(view, minLsn, watermark(db));
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(progress, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new LookupTimeoutException(view, minLsn, watermark(db));
        }
      }
    }
  }

  /** Forgets the keys the cache evicted (write lock held). */
  private void drainEvictions() {
    CachedKey k;
    while ((k = evicted.poll()) != null) {
      View v = views.get(k.view());
      if (v != null && v.graph != null && !v.watched.contains(k.key())) {
        v.graph.evict(k.key());
        evictions.incrementAndGet();
      }
    }
  }

  @Override
  public ViewSubscription subscribe(String view, List<Value> params, ViewListener listener) {
    lock.writeLock().lock();
    try {
      View v = requireView(view);
      checkUsable(v);
      Value[] p = v.coerce(params);
      Key k = View.key(p);
      drainEvictions();
      List<Row> rows = List.of();
      View.Subscription s = new View.Subscription(listener, p, k);
      if (k != null) {
        rows = fill(v, k);
        v.watched.add(k);
        keys.invalidate(new CachedKey(view, k));
      }
      v.subscriptions.computeIfAbsent(k, x -> new ArrayList<>()).add(s);
      ViewResult snapshot = new ViewResult(watermark(v.plan.db()), v.plan.columnNames(), v.visible(rows, p));
      return new ViewSubscription() {
        @Override
        public ViewResult snapshot() {
          return snapshot;
        }

        @Override
        public void close() {
          unsubscribe(v, s);
        }
      };
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void unsubscribe(View v, View.Subscription s) {
    lock.writeLock().lock();
    try {
      if (!s.open) {
        return;
      }
      s.open = false;
      List<View.Subscription> subs = v.subscriptions.get(s.key);
      subs.remove(s);
      if (subs.isEmpty()) {
        v.subscriptions.remove(s.key);
        if (s.key != null) {
          v.watched.remove(s.key);
          if (v.graph != null && v.graph.partial() && views.get(v.name) == v) {
            keys.put(new CachedKey(v.name, s.key), v.graph.keyBytes(s.key));
          }
        }
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  // ---- the change stream ---------------------------------------------------------------------

  /** A snapshot being received: its tables staged in the store, not yet visible. */
  private static final class Staging {
    final long lsn;
    final Map<String, BaseTable> tables = new LinkedHashMap<>();
    final List<SchemaChange> schema = new ArrayList<>();
    final Map<BaseTable, List<RowChange>> pending = new HashMap<>();

    Staging(long lsn) {
      this.lsn = lsn;
    }
  }

  @Override
  public void snapshotBegin(String db, long lsn, Instant committedAt) {
    snapshots.put(db, new Staging(lsn));
  }

  @Override
  public void snapshotChange(String db, long lsn, Change change) {
    Staging s = snapshots.get(db);
    if (s == null || s.lsn != lsn) {
      throw new IllegalStateException("snapshot change of " + db + " LSN " + lsn + " outside its snapshot");
    }
    if (change instanceof SchemaChange sc) {
      if (sc.op() == SchemaOp.CREATE_TABLE) {
        s.tables.put(sc.table().toLowerCase(Locale.ROOT), graph.newTable(db, sc.table(), sc.columns()));
        s.schema.add(sc);
      }
      return;
    }
    RowChange rc = (RowChange) change;
    BaseTable t = s.tables.get(rc.table().toLowerCase(Locale.ROOT));
    if (t == null) {
      throw new IllegalStateException("snapshot of " + db + " LSN " + lsn + ": a row of table " + rc.table()
          + " before its CREATE");
    }
    List<RowChange> rows = s.pending.computeIfAbsent(t, x -> new ArrayList<>());
    rows.add(rc);
    if (rows.size() >= SNAPSHOT_BATCH) {
      graph.load(t, rows);
      rows.clear();
    }
  }

  @Override
  public void snapshotEnd(String db, long lsn) {
    Staging s = snapshots.remove(db);
    if (s == null || s.lsn != lsn) {
      throw new IllegalStateException("snapshot end of " + db + " LSN " + lsn + " without its beginning");
    }
    s.pending.forEach(graph::load);
    List<Runnable> events = new ArrayList<>();
    lock.writeLock().lock();
    try {
      checkOpen();
      drainEvictions();
      List<View> affected = views.values().stream().filter(v -> v.plan.db().equals(db)).toList();
      Map<View, Map<Key, List<List<Value>>>> before = new HashMap<>();
      for (View v : affected) {
        before.put(v, subscribedRows(v));
        if (v.graph != null) {
          graph.release(v.graph);
          v.graph = null;
        }
        keys.asMap().keySet().removeIf(k -> k.view().equals(v.name));
      }
      graph.dropDatabase(db);
      s.tables.values().forEach(graph::install);
      onSchemaReset(db, s.schema);
      for (View v : affected) {
        if (v.failure != null) {
          continue;
        }
        try {
          v.graph = graph.build(v.name, v.plan, config.partialState(), v.watched);
          for (Key k : v.watched) {
            fillPinned(v, k);
          }
        } catch (MissingTableException | SqliteEvalException e) {
          fail(v, "view '" + v.name + "' failed at the snapshot of " + db + " LSN " + lsn + ": " + e.getMessage(),
              events);
        }
      }
      watermarks.put(db, lsn);
      for (View v : affected) {
        if (v.failure == null) {
          reportChanges(v, lsn, before.get(v), events);
        }
      }
      watermarkEvents(db, lsn, events);
    } finally {
      lock.writeLock().unlock();
    }
    publish(events);
  }

  private void fillPinned(View v, Key k) {
    if (v.graph.reader().rows(k) == null) {
      v.graph.reader().fill(k);
    }
  }

  @Override
  public void commit(String db, long lsn, Instant committedAt, ChangeSet changes) {
    List<Runnable> events = new ArrayList<>();
    lock.writeLock().lock();
    try {
      checkOpen();
      if (lsn <= watermark(db)) {
        return;
      }
      drainEvictions();
      for (SchemaChange sc : changes.schemaChanges()) {
        applySchema(db, lsn, sc, events);
      }
      List<View> affected = views.values().stream().filter(v -> v.plan.db().equals(db) && v.graph != null).toList();
      try {
        for (Graph.Failure f : graph.apply(db, changes.rowChanges())) {
          Set<Node> broken = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
          broken.addAll(f.nodes());
          for (View v : affected) {
            if (v.graph != null && v.graph.nodes().stream().anyMatch(broken::contains)) {
              fail(v, "view '" + v.name + "' failed applying " + db + " LSN " + lsn + ": " + f.error().getMessage(),
                  events);
            }
          }
        }
      } catch (MissingTableException e) {
        LOG.error("{} LSN {}: {}; the views of {} stop", db, lsn, e.getMessage(), db);
        for (View v : affected) {
          fail(v, "view '" + v.name + "' failed applying " + db + " LSN " + lsn + ": " + e.getMessage(), events);
        }
      }
      watermarks.put(db, lsn);
      for (View v : affected) {
        if (v.graph != null) {
          reportChanges(v, lsn, null, events);
        }
      }
      watermarkEvents(db, lsn, events);
    } finally {
      lock.writeLock().unlock();
    }
    publish(events);
  }

  private void applySchema(String db, long lsn, SchemaChange sc, List<Runnable> events) {
    onSchemaChange(db, sc);
    graph.invalidateMigrations(db);
    switch (sc.op()) {
      case CREATE_TABLE -> graph.install(graph.newTable(db, sc.table(), sc.columns()));
      case DROP_TABLE -> {
        failReaders(db, sc.table(), "table " + db + "." + sc.table() + " was dropped at LSN " + lsn, events);
        graph.dropTable(db, sc.table());
      }
      case ALTER_TABLE -> {
        String old = sc.previousName().orElse(sc.table());
        BaseTable t = graph.table(db, old);
        if (t == null) {
          return;
        }
        if (sc.previousName().isPresent() && !sc.previousName().get().equals(sc.table())) {
          failReaders(db, old, "table " + db + "." + old + " was renamed to " + sc.table() + " at LSN " + lsn, events);
          graph.rename(db, old, sc.table());
        }
        t.alter(sc.columns());
        for (Map.Entry<Node, String> problem : graph.rebind(t).entrySet()) {
          for (View v : List.copyOf(views.values())) {
            if (v.graph != null && v.graph.nodes().contains(problem.getKey())) {
              fail(v, "view '" + v.name + "' failed: " + problem.getValue() + " at LSN " + lsn, events);
            }
          }
        }
      }
      default -> { }
    }
  }

  /** The query catalogue follows a schema change of {@code db}. */
  private void onSchemaChange(String db, SchemaChange sc) {
    catalog = catalog.apply(db, sc);
  }

  /** The query catalogue's {@code db} is now exactly the snapshot's {@code tables}. */
  private void onSchemaReset(String db, List<SchemaChange> tables) {
    Catalog c = catalog.withoutDatabase(db);
    for (SchemaChange sc : tables) {
      c = c.apply(db, sc);
    }
    catalog = c;
  }

  /** The tables views can read now, as the query planner sees them. */
  public Catalog catalog() {
    return catalog;
  }

  private void failReaders(String db, String table, String why, List<Runnable> events) {
    BaseTable t = graph.table(db, table);
    for (View v : List.copyOf(views.values())) {
      if (v.graph != null && t != null && v.graph.tables().contains(t)) {
        fail(v, "view '" + v.name + "' failed: " + why, events);
      }
    }
  }

  private void fail(View v, String why, List<Runnable> events) {
    LOG.warn(why);
    v.failure = why;
    closeView(v, events);
    keys.asMap().keySet().removeIf(k -> k.view().equals(v.name));
  }

  /** The visible rows of each subscribed key now (write lock held). */
  private Map<Key, List<List<Value>>> subscribedRows(View v) {
    Map<Key, List<List<Value>>> out = new HashMap<>();
    if (v.graph == null) {
      return out;
    }
    for (Map.Entry<Key, List<View.Subscription>> e : v.subscriptions.entrySet()) {
      if (e.getKey() != null && !e.getValue().isEmpty()) {
        List<Row> rows = v.graph.reader().rows(e.getKey());
        out.put(e.getKey(), v.visible(rows == null ? List.of() : rows, e.getValue().get(0).params));
      }
    }
    return out;
  }

  /**
   * Queues one delta per subscribed key the transaction changed: the difference between the key's
   * visible rows before and now. Before a snapshot's end the rows before are given; after a commit
   * the reader recorded what each changed row's multiplicity was, and only those rows are compared
   * (the cost follows the transaction, not the key's size), except for a view whose empty key reads
   * as a row, whose key is rebuilt as it was. Re-weighs the partial keys it changed, so that the
   * memory bound follows state that grows.
   */
  private void reportChanges(View v, long lsn, Map<Key, List<List<Value>>> given, List<Runnable> events) {
    ReaderNode reader = v.graph.reader();
    Map<Key, Map<Row, Integer>> before = reader.takeBefore();
    if (v.graph.partial()) {
      for (Key k : reader.takeChanged()) {
        if (!v.watched.contains(k) && reader.holds(k)) {
          keys.put(new CachedKey(v.name, k), v.graph.keyBytes(k));
        }
      }
    } else {
      reader.takeChanged();
    }
    Map<Key, List<List<Value>>> old = new HashMap<>();
    Map<Key, Map<List<Value>, Integer>> diffs = new HashMap<>();
    if (given != null) {
      old.putAll(given);
    } else {
      for (Map.Entry<Key, Map<Row, Integer>> e : before.entrySet()) {
        List<View.Subscription> subs = v.subscriptions.get(e.getKey());
        if (subs == null || subs.isEmpty()) {
          continue;
        }
        if (v.hasEmptyRow()) {
          old.put(e.getKey(), v.visible(rowsBefore(reader, e.getKey(), e.getValue()), subs.get(0).params));
        } else {
          Map<List<Value>, Integer> diff = new HashMap<>();
          e.getValue().forEach((r, n) -> {
            int d = reader.count(e.getKey(), r) - n;
            if (d != 0) {
              diff.merge(v.project(r), d, Integer::sum);
            }
          });
          diffs.put(e.getKey(), diff);
        }
      }
    }
    for (Map.Entry<Key, List<List<Value>>> e : old.entrySet()) {
      List<View.Subscription> subs = v.subscriptions.get(e.getKey());
      if (subs == null || subs.isEmpty()) {
        continue;
      }
      List<Row> rows = reader.rows(e.getKey());
      List<List<Value>> now = v.visible(rows == null ? List.of() : rows, subs.get(0).params);
      Map<List<Value>, Integer> diff = new HashMap<>();
      now.forEach(r -> diff.merge(r, 1, Integer::sum));
      e.getValue().forEach(r -> diff.merge(r, -1, Integer::sum));
      diffs.put(e.getKey(), diff);
    }
    for (Map.Entry<Key, Map<List<Value>, Integer>> e : diffs.entrySet()) {
      List<View.Subscription> subs = v.subscriptions.get(e.getKey());
      Map<List<Value>, Integer> diff = e.getValue();
      List<List<Value>> inserted = new ArrayList<>();
      List<List<Value>> deleted = new ArrayList<>();
      diff.forEach((r, n) -> {
        for (int i = 0; i < Math.abs(n); i++) {
          (n > 0 ? inserted : deleted).add(r);
        }
      });
      if (inserted.isEmpty() && deleted.isEmpty()) {
        continue;
      }
      ViewDelta delta = new ViewDelta(lsn, inserted, deleted);
      for (View.Subscription s : subs) {
        events.add(() -> s.listener.onDelta(delta));
      }
    }
  }

  /** The key's rows before the transaction: its rows now with the changed ones as they were. */
  private static List<Row> rowsBefore(ReaderNode reader, Key key, Map<Row, Integer> changed) {
    Map<Row, Integer> bag = new HashMap<>();
    List<Row> now = reader.rows(key);
    if (now != null) {
      now.forEach(r -> bag.merge(r, 1, Integer::sum));
    }
    changed.forEach((r, n) -> {
      if (n == 0) {
        bag.remove(r);
      } else {
        bag.put(r, n);
      }
    });
    List<Row> out = new ArrayList<>();
    bag.forEach((r, n) -> {
      for (int i = 0; i < n; i++) {
        out.add(r);
      }
    });
    return out;
  }

  private void watermarkEvents(String db, long lsn, List<Runnable> events) {
    for (View v : views.values()) {
      if (v.plan.db().equals(db)) {
        for (List<View.Subscription> subs : v.subscriptions.values()) {
          for (View.Subscription s : subs) {
            events.add(() -> s.listener.onWatermark(lsn));
          }
        }
      }
    }
  }

  private void publish(List<Runnable> events) {
    synchronized (progress) {
      progress.notifyAll();
    }
    for (Runnable e : events) {
      try {
        e.run();
      } catch (RuntimeException ex) {
        LOG.error("a view listener failed", ex);
      }
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the dataflow is closed");
    }
  }

  /** Estimated heap bytes of the partial keys the cache holds (what the memory bound limits). */
  public long partialStateBytes() {
    keys.cleanUp();
    return keys.policy().eviction().map(e -> e.weightedSize().orElse(0L)).orElse(0L);
  }

  /** The number of operators in the graph (shared ones once; scans and readers included). */
  public int operators() {
    lock.readLock().lock();
    try {
      return graph.size();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** How many lookups or subscriptions missed and filled their key with an upquery. */
  public long upqueries() {
    return upqueries.get();
  }

  /** How many lookups found their key's rows in the reader (no upquery). */
  public long readerHits() {
    return readerHits.get();
  }

  /**
   * Estimated heap bytes of all operator state (readers, joins, aggregates, distinct, top-k; shared
   * operators once; base tables, which live in RocksDB, not included).
   */
  public long stateBytes() {
    lock.readLock().lock();
    try {
      return graph.stateBytes();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** How many partial keys have been evicted under the memory bound since the engine started. */
  public long evictions() {
    return evictions.get();
  }

  /** Ends every subscription, stops the workers and closes the store. */
  @Override
  public void close() {
    List<Runnable> events = new ArrayList<>();
    lock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      for (View v : views.values()) {
        closeView(v, events);
      }
      views.clear();
    } finally {
      lock.writeLock().unlock();
    }
    publish(events);
    if (workers != null) {
      workers.shutdownNow();
    }
    // wait for views being built off the lock, then free their snapshots before the store closes
    building.writeLock().lock();
    try {
      lock.writeLock().lock();
      try {
        graph.abandonMigrations();
      } finally {
        lock.writeLock().unlock();
      }
      store.close();
    } finally {
      building.writeLock().unlock();
    }
  }

}
