package io.walflow.app.bench;

import io.walflow.ingest.Capture;
import java.util.OptionalLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;

/**
 * Listens to {@link Capture#onDurable} for one database and remembers when each LSN became durable.
 *
 * <p>The listener runs on the log writer's thread, after the durability futures completed; so a
 * caller that wants the durable time of LSN n must wait on {@link #awaitSeen}, not on {@code
 * Capture.awaitDurable}. Each write of {@link #seen} publishes the array entries written before it.
 */
final class DurableRecorder implements Capture.DurableListener {
  /** How often {@link #awaitSeen} reports that it is still waiting. */
  private static final long TELL_EVERY_NANOS = 5_000_000_000L;

  private final String db;
  /** Entry n: nanoTime at which LSN n became durable (0 = not yet, or beyond the array). */
  private final long[] durableNanos;
  private volatile long seen = -1;
  private volatile long seenNanos;

  /** @param capacity LSNs 0..capacity-1 get their time recorded; later ones only advance {@link #seen}. */
  DurableRecorder(String db, int capacity) {
    this.db = db;
    this.durableNanos = new long[capacity];
  }

  @Override
  public void durable(String database, long lsn, long nanoTime) {
    if (!db.equals(database)) {
      return;
    }
    if (lsn >= 0 && lsn < durableNanos.length) {
      durableNanos[(int) lsn] = nanoTime;
    }
    if (lsn > seen) {
      seenNanos = nanoTime;
      seen = lsn;
    }
  }

  /** The highest LSN reported durable so far, or -1. */
  long seen() {
    return seen;
  }

  /**
   * Waits until the listener has been told of {@code lsn}, or capture stops making progress.
   *
   * @param stallNanos give up when no new LSN became durable for this long
   * @param timeoutNanos give up after this long in any case
   * @param onWait told every few seconds how many LSNs are still missing
   * @return the nanoTime at which {@code lsn} became durable; empty when capture stalled or timed out
   */
  OptionalLong awaitSeen(long lsn, long stallNanos, long timeoutNanos, LongConsumer onWait) {
    long start = System.nanoTime();
    long lastSeen = seen;
    long lastProgress = start;
    long lastTold = start;
    while (seen < lsn) {
      long now = System.nanoTime();
      long s = seen;
      if (s != lastSeen) {
        lastSeen = s;
        lastProgress = now;
      }
      if (now - lastProgress > stallNanos || now - start > timeoutNanos) {
        return OptionalLong.empty();
      }
      if (now - lastTold > TELL_EVERY_NANOS) {
        onWait.accept(lsn - s);
        lastTold = now;
      }
      LockSupport.parkNanos(50_000);
    }
    return OptionalLong.of(lsn < durableNanos.length ? durableNanos[(int) lsn] : seenNanos);
  }

  /** When LSN {@code lsn} became durable (0 if it did not); call after {@link #awaitSeen} returned. */
  long durableNanos(long lsn) {
    return durableNanos[(int) lsn];
  }
}
