package io.walflow.app.bench;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the fan-out measures at its N subscribers: which of them have their snapshot, and for each
 * round r (the r-th delta each subscriber receives) how many have it and the first and last arrival
 * ({@link System#nanoTime()}). Subscribers report from their own threads; the bench waits on latches,
 * so it wakes as the last one arrives instead of polling.
 */
final class FanOutArrivals {
  private final int rounds;
  private final AtomicIntegerArray snapshotSeen;
  private final AtomicIntegerArray deltas;
  private final CountDownLatch ready;
  private final CountDownLatch[] arrived;
  private final AtomicLongArray first;
  private final AtomicLongArray last;

  FanOutArrivals(int subscribers, int rounds) {
    this.rounds = rounds;
    this.snapshotSeen = new AtomicIntegerArray(subscribers);
    this.deltas = new AtomicIntegerArray(subscribers);
    this.ready = new CountDownLatch(subscribers);
    this.arrived = new CountDownLatch[rounds + 1];
    this.first = new AtomicLongArray(rounds + 1);
    this.last = new AtomicLongArray(rounds + 1);
    for (int r = 0; r <= rounds; r++) {
      arrived[r] = new CountDownLatch(subscribers);
      first.set(r, Long.MAX_VALUE);
      last.set(r, Long.MIN_VALUE);
    }
  }

  /** Subscriber {@code s} received a snapshot; returns whether it was its first. */
  boolean snapshot(int s) {
    if (snapshotSeen.compareAndSet(s, 0, 1)) {
      ready.countDown();
      return true;
    }
    return false;
  }

  /** Subscriber {@code s} received a delta at {@code nanos}: its next round's. */
  void delta(int s, long nanos) {
    int r = deltas.incrementAndGet(s);
    if (r <= rounds) {
      first.accumulateAndGet(r, nanos, Math::min);
      last.accumulateAndGet(r, nanos, Math::max);
      arrived[r].countDown();
    }
  }

  /** Waits until every subscriber has its snapshot or {@code timeout} passed; returns how many have it. */
  int awaitReady(Duration timeout) throws InterruptedException {
    ready.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    return count(ready);
  }

  /** Waits until every subscriber has round {@code r}'s delta or {@code timeout} passed; returns how many have it. */
  int awaitRound(int r, Duration timeout) throws InterruptedException {
    arrived[r].await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    return count(arrived[r]);
  }

  long first(int r) {
    return first.get(r);
  }

  long last(int r) {
    return last.get(r);
  }

  private int count(CountDownLatch latch) {
    return snapshotSeen.length() - (int) latch.getCount();
  }
}
