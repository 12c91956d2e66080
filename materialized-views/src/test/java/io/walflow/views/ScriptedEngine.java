package io.walflow.views;

import io.walflow.dataflow.BadParametersException;
import io.walflow.dataflow.LookupTimeoutException;
import io.walflow.dataflow.NoSuchViewException;
import io.walflow.dataflow.QueryException;
import io.walflow.dataflow.ViewDelta;
import io.walflow.dataflow.ViewEngine;
import io.walflow.dataflow.ViewInfo;
import io.walflow.dataflow.ViewListener;
import io.walflow.dataflow.ViewResult;
import io.walflow.dataflow.ViewSubscription;
import io.walflow.dataflow.plan.Affinity;
import io.walflow.ingest.change.Value;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A protocol test fixture, not a dataflow: one view {@code v} ({@code SELECT k, x FROM t WHERE k
 * = ?}, one INTEGER parameter) whose rows per key the test scripts with {@link #commit}. The
 * calling thread plays the engine thread: listeners are called on it, in LSN order, and lookups
 * and subscriptions see all of a commit or none of it.
 */
final class ScriptedEngine implements ViewEngine {
  static final List<String> COLUMNS = List.of("k", "x");
  private final Map<Value, List<List<Value>>> rows = new HashMap<>();
  private final List<Registered> listeners = new CopyOnWriteArrayList<>();
  private long watermark;
  private boolean dropped;
  final AtomicInteger subscribeCalls = new AtomicInteger();
  final AtomicInteger lookups = new AtomicInteger();

  private record Registered(Value key, ViewListener listener) {}

  /** A transaction at the next LSN: for each key, rows inserted and deleted. */
  synchronized long commit(Map<Value, ViewDelta> changes) {
    long lsn = ++watermark;
    List<Runnable> notices = new ArrayList<>();
    changes.forEach((key, d) -> {
      List<List<Value>> held = rows.computeIfAbsent(key, k -> new ArrayList<>());
      for (List<Value> r : d.deleted()) {
        if (!held.remove(r)) {
          throw new IllegalStateException("deleting a row not held: " + r);
        }
      }
      held.addAll(d.inserted());
    });
    for (Registered r : listeners) {
      ViewDelta d = changes.get(r.key());
      if (d != null) {
        r.listener().onDelta(new ViewDelta(lsn, d.inserted(), d.deleted()));
      }
      r.listener().onWatermark(lsn);
    }
    notifyAll();
    return lsn;
  }

  /** Inserts one row {@code (key, x)} at the next LSN. */
  long insert(long key, long x) {
    return commit(Map.of(Value.of(key), new ViewDelta(0, List.of(List.of(Value.of(key), Value.of(x))), List.of())));
  }

  /** Replaces row {@code (key, from)} by {@code (key, to)} at the next LSN. */
  long update(long key, long from, long to) {
    return commit(Map.of(Value.of(key), new ViewDelta(0, List.of(List.of(Value.of(key), Value.of(to))),
        List.of(List.of(Value.of(key), Value.of(from))))));
  }

  /** A transaction that changes no row of the view. */
  long idle() {
    return commit(Map.of());
  }

  synchronized List<List<Value>> rowsOf(long key) {
    return List.copyOf(rows.getOrDefault(Value.of(key), List.of()));
  }

  int openSubscriptions() {
    return listeners.size();
  }

  @Override
  public ViewInfo createView(String name, String sql) throws QueryException {
    throw new QueryException("the scripted engine has only view 'v'", 1, 1);
  }

  @Override
  public synchronized void dropView(String name) {
    info(name);
    dropped = true;
    listeners.forEach(r -> r.listener().onClose());
    listeners.clear();
  }

  @Override
  public synchronized List<ViewInfo> views() {
    return dropped ? List.of() : List.of(current());
  }

  @Override
  public synchronized Optional<ViewInfo> view(String name) {
    return name.equals("v") && !dropped ? Optional.of(current()) : Optional.empty();
  }

  private ViewInfo current() {
    return new ViewInfo("v", "SELECT k, x FROM t WHERE k = ?", "app", COLUMNS, List.of(Affinity.INTEGER), false,
        watermark);
  }

  private ViewInfo info(String name) {
    return view(name).orElseThrow(() -> new NoSuchViewException(name, List.of()));
  }

  /** The fixture never answers at once: every lookup takes {@link #lookup}, which counts it. */
  @Override
  public Optional<ViewResult> tryLookup(String view, Function<ViewInfo, List<Value>> params, long minLsn) {
    return Optional.empty();
  }

  @Override
  public synchronized ViewResult lookup(String view, List<Value> params, long minLsn, Duration timeout)
      throws LookupTimeoutException {
    info(view);
    check(params);
    lookups.incrementAndGet();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (watermark < minLsn) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new LookupTimeoutException(view, minLsn, watermark);
      }
      try {
        wait(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new LookupTimeoutException(view, minLsn, watermark);
      }
    }
    return new ViewResult(watermark, COLUMNS, rows.getOrDefault(params.get(0), List.of()));
  }

  @Override
  public synchronized ViewSubscription subscribe(String view, List<Value> params, ViewListener listener) {
    info(view);
    check(params);
    subscribeCalls.incrementAndGet();
    Registered r = new Registered(params.get(0), listener);
    listeners.add(r);
    ViewResult snapshot = new ViewResult(watermark, COLUMNS, rows.getOrDefault(params.get(0), List.of()));
    return new ViewSubscription() {
      @Override
      public ViewResult snapshot() {
        return snapshot;
      }

      @Override
      public void close() {
        listeners.remove(r);
      }
    };
  }

  private static void check(List<Value> params) {
    if (params.size() != 1) {
      throw new BadParametersException("view 'v' takes 1 parameter, got " + params.size());
    }
  }
}
