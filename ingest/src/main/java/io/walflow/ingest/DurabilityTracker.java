package io.walflow.ingest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which LSN of each database is durable in the log at the configured level, and futures that
 * complete when a given (database, LSN) becomes durable.
 */
public final class DurabilityTracker {
  private final Map<String, State> states = new ConcurrentHashMap<>();
  private volatile Throwable failure;
  private final List<DurabilityTracker> failTogether = new java.util.concurrent.CopyOnWriteArrayList<>();

  private static final class State {
    long durable = -1;
    final TreeMap<Long, List<CompletableFuture<Long>>> waiters = new TreeMap<>();
  }

  private State state(String db) {
    return states.computeIfAbsent(db, k -> new State());
  }

  /**
   * A future completed with {@code lsn} once that LSN of {@code db} is durable, or exceptionally
   * if capture fails first. Completes at once when it already is.
   */
  public CompletableFuture<Long> awaitDurable(String db, long lsn) {
    CompletableFuture<Long> f = new CompletableFuture<>();
    State s = state(db);
    synchronized (s) {
      if (s.durable >= lsn) {
        f.complete(lsn);
        return f;
      }
      if (failure != null) {
        f.completeExceptionally(failure);
        return f;
      }
      s.waiters.computeIfAbsent(lsn, k -> new ArrayList<>()).add(f);
    }
    return f;
  }

  /** The highest durable LSN of {@code db}, or -1. */
  public long durableLsn(String db) {
    State s = state(db);
    synchronized (s) {
      return s.durable;
    }
  }

  /** Records that every LSN up to {@code lsn} of {@code db} is durable. */
  public void markDurable(String db, long lsn) {
    State s = state(db);
    List<CompletableFuture<Long>> done = new ArrayList<>();
    synchronized (s) {
      if (lsn <= s.durable) {
        return;
      }
      s.durable = lsn;
      var head = s.waiters.headMap(lsn, true);
      head.values().forEach(done::addAll);
      head.clear();
    }
    for (CompletableFuture<Long> f : done) {
      f.complete(lsn);
    }
  }

  /** Makes {@link #fail} fail {@code other} too (a tracker whose entries come from this one's log). */
  public void failTogetherWith(DurabilityTracker other) {
    failTogether.add(other);
  }

  /** Fails every waiting future (capture stopped with an error). */
  public void fail(Throwable cause) {
    failure = cause;
    failTogether.forEach(t -> t.fail(cause));
    for (State s : states.values()) {
      List<CompletableFuture<Long>> all = new ArrayList<>();
      synchronized (s) {
        s.waiters.values().forEach(all::addAll);
        s.waiters.clear();
      }
      all.forEach(f -> f.completeExceptionally(cause));
    }
  }
}
