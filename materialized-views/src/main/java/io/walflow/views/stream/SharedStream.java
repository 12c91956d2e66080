package io.walflow.views.stream;

import io.walflow.dataflow.LookupTimeoutException;
import io.walflow.dataflow.ViewDelta;
import io.walflow.dataflow.ViewEngine;
import io.walflow.dataflow.ViewListener;
import io.walflow.dataflow.ViewResult;
import io.walflow.dataflow.ViewSubscription;
import io.walflow.views.EncodedEvent;
import io.walflow.views.ViewEvent;
import io.walflow.views.ViewsConfig;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The one engine subscription shared by every subscriber of a (view, parameters): it receives the
 * engine's deltas on the engine thread, wraps each in one {@link EncodedEvent} (so its JSON is
 * encoded once), keeps the last {@link ViewsConfig#historySize()} of them for resuming
 * subscribers, and offers each to every subscriber's buffer.
 *
 * <p>Positions: {@code streamLsn} is the last LSN the engine reported (delta or watermark); the
 * history holds every delta with an LSN above {@code historyFloor}. A subscriber joining later than
 * the engine snapshot gets a snapshot looked up at an LSN of at least {@code streamLsn} (taken on
 * demand by its {@link Subscriber}), and skips the deltas that snapshot already contains.
 */
final class SharedStream implements ViewListener {
  private final StreamKey key;
  private final ViewEngine engine;
  private final ViewsConfig config;

  // Guarded by this.
  private ViewSubscription engineSubscription;
  private boolean started;
  /** Listener calls that arrived while the engine subscription was being opened. */
  private final List<Runnable> early = new ArrayList<>();
  /** A snapshot still valid now: no delta above its LSN has arrived since it was taken. */
  private EncodedEvent cachedSnapshot;
  private long lastDeltaLsn;
  private final ArrayDeque<EncodedEvent> history = new ArrayDeque<>();
  private long historyFloor;
  private long streamLsn;
  private final Set<Subscriber> subscribers = new LinkedHashSet<>();
  private boolean closed;
  private long idleSinceNanos;

  SharedStream(StreamKey key, ViewEngine engine, ViewsConfig config) {
    this.key = key;
    this.engine = engine;
    this.config = config;
  }

  StreamKey key() {
    return key;
  }

  /**
   * Opens the engine subscription (atomic snapshot + listener registration).
   *
   * @throws RuntimeException as {@link ViewEngine#subscribe} throws
   */
  void start() {
    ViewSubscription sub = engine.subscribe(key.view(), key.params(), this);
    synchronized (this) {
      engineSubscription = sub;
      ViewResult snap = sub.snapshot();
      cachedSnapshot = new EncodedEvent(new ViewEvent.Snapshot(snap.lsn(), snap.columns(), snap.rows(), false));
      lastDeltaLsn = snap.lsn();
      historyFloor = snap.lsn();
      streamLsn = snap.lsn();
      started = true;
      idleSinceNanos = System.nanoTime();
      for (Runnable r : early) {
        r.run();
      }
      early.clear();
    }
  }

  /**
   * Adds a subscriber positioned for {@code fromLsn} (resume) or for a fresh snapshot.
   *
   * @return false when this stream has closed (the caller opens a new one)
   */
  synchronized boolean attach(Subscriber s, OptionalLong fromLsn) {
    if (closed) {
      return false;
    }
    if (fromLsn.isPresent() && fromLsn.getAsLong() >= historyFloor) {
      long from = fromLsn.getAsLong();
      s.startAfter(from);
      for (EncodedEvent d : history) {
        if (d.event().lsn() > from) {
          s.replay(d);
        }
      }
    } else {
      boolean resync = fromLsn.isPresent();
      if (cachedSnapshot != null) {
        s.startWith(resync ? resyncCopy(cachedSnapshot) : cachedSnapshot);
      } else {
        s.startWithSnapshot(streamLsn, resync);
      }
    }
    subscribers.add(s);
    s.schedule();
    return true;
  }

  private static EncodedEvent resyncCopy(EncodedEvent e) {
    ViewEvent.Snapshot s = (ViewEvent.Snapshot) e.event();
    return new EncodedEvent(new ViewEvent.Snapshot(s.lsn(), s.columns(), s.rows(), true));
  }

  synchronized void detach(Subscriber s) {
    if (subscribers.remove(s) && subscribers.isEmpty()) {
      idleSinceNanos = System.nanoTime();
    }
  }

  /** The last LSN the engine reported to this stream. */
  synchronized long streamLsn() {
    return streamLsn;
  }

  @Override
  public synchronized String toString() {
    return "SharedStream{" + key + ", streamLsn=" + streamLsn + ", historyFloor=" + historyFloor + ", subscribers="
        + subscribers + "}";
  }

  synchronized int subscriberCount() {
    return subscribers.size();
  }

  /**
   * Rows at an LSN of at least {@code floor}, for a joining or conflated subscriber; remembered for
   * the next joining subscriber while no later delta arrives.
   */
  ViewResult lookup(long floor) throws LookupTimeoutException {
    ViewResult r = engine.lookup(key.view(), key.params(), floor, config.snapshotTimeout());
    synchronized (this) {
      if (lastDeltaLsn <= r.lsn() && (cachedSnapshot == null || cachedSnapshot.event().lsn() < r.lsn())) {
        cachedSnapshot = new EncodedEvent(new ViewEvent.Snapshot(r.lsn(), r.columns(), r.rows(), false));
      }
    }
    return r;
  }

  /** Offers every subscriber a progress event at the stream's position. */
  void tick() {
    Subscriber[] subs;
    long lsn;
    synchronized (this) {
      if (!started || closed) {
        return;
      }
      subs = subscribers.toArray(new Subscriber[0]);
      lsn = streamLsn;
    }
    for (Subscriber s : subs) {
      s.progress(lsn);
    }
  }

  /** Closes the stream if it has had no subscriber for {@code linger}; true if it closed. */
  boolean closeIfIdle(Duration linger) {
    ViewSubscription sub;
    synchronized (this) {
      if (closed || !started || !subscribers.isEmpty() || System.nanoTime() - idleSinceNanos < linger.toNanos()) {
        return false;
      }
      closed = true;
      sub = engineSubscription;
    }
    sub.close();
    return true;
  }

  /** Closes the engine subscription and completes every subscriber. */
  void close() {
    ViewSubscription sub;
    List<Subscriber> subs;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      sub = engineSubscription;
      subs = new ArrayList<>(subscribers);
      subscribers.clear();
    }
    if (sub != null) {
      sub.close();
    }
    subs.forEach(s -> s.complete(null));
  }

  @Override
  public void onDelta(ViewDelta delta) {
    synchronized (this) {
      if (!started) {
        early.add(() -> onDelta(delta));
        return;
      }
      if (closed || delta.lsn() <= lastDeltaLsn) {
        return;
      }
      lastDeltaLsn = delta.lsn();
      EncodedEvent e = new EncodedEvent(new ViewEvent.Delta(delta.lsn(), delta.inserted(), delta.deleted()));
      streamLsn = Math.max(streamLsn, delta.lsn());
      history.add(e);
      while (history.size() > config.historySize()) {
        historyFloor = history.poll().event().lsn();
      }
      cachedSnapshot = null;
      for (Subscriber s : subscribers) {
        s.offer(e);
      }
    }
  }

  @Override
  public void onWatermark(long lsn) {
    synchronized (this) {
      if (!started) {
        early.add(() -> onWatermark(lsn));
        return;
      }
      if (lsn > streamLsn) {
        streamLsn = lsn;
        if (config.historySize() == 0) {
          historyFloor = lsn;
        }
      }
    }
  }

  @Override
  public void onClose() {
    List<Subscriber> subs;
    synchronized (this) {
      if (!started) {
        early.add(this::onClose);
        return;
      }
      closed = true;
      subs = new ArrayList<>(subscribers);
      subscribers.clear();
    }
    subs.forEach(s -> s.complete(null));
  }
}
