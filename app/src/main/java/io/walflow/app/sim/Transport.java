package io.walflow.app.sim;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Random;

/**
 * The delivery path between the log and the replica (Kafka, a network, a disk), with its faults:
 * an entry is dropped, duplicated, overtaken by a later one (reordered, as across partitions),
 * truncated or has bytes corrupted. Damaged bytes must be caught by the entry's checksum on the
 * consumer side, never applied.
 */
final class Transport {
  /** Per cent of entries sent: dropped, duplicated, truncated, corrupted (the rest arrive intact). */
  private static final int DROP = 4;
  private static final int DUPLICATE = 9;
  private static final int TRUNCATE = 12;
  private static final int CORRUPT = 15;

  private final Random random;
  private final Trace trace;
  private final Deque<Delivery> queue = new ArrayDeque<>();
  private int faults;

  Transport(Random random, Trace trace) {
    this.random = random;
    this.trace = trace;
  }

  /** Puts an entry on the way, with a fault now and then. */
  void send(int step, Delivery d) {
    int f = random.nextInt(100);
    if (f < DROP) {
      fault(step, "dropped " + d);
      return;
    }
    if (f < DUPLICATE) {
      fault(step, "duplicated " + d);
      queue.addLast(d);
    } else if (f < TRUNCATE) {
      int len = random.nextInt(d.bytes().length);
      d = d.damaged(Arrays.copyOf(d.bytes(), len), "truncated to " + len + " of " + d.bytes().length + " bytes");
      fault(step, d.toString());
    } else if (f < CORRUPT) {
      byte[] b = d.bytes().clone();
      int at = random.nextInt(b.length);
      int mask = 1 + random.nextInt(255);
      b[at] ^= (byte) mask;
      d = d.damaged(b, "byte " + at + " xor " + mask);
      fault(step, d.toString());
    }
    queue.addLast(d);
  }

  /** The next entry to arrive; with {@code reorder}, sometimes the one after it overtakes it. */
  Delivery next(int step, boolean reorder) {
    Delivery d = queue.pollFirst();
    if (d != null && reorder && !queue.isEmpty() && random.nextInt(8) == 0) {
      Delivery later = queue.pollFirst();
      queue.addFirst(d);
      fault(step, "reordered: " + later + " overtook " + d);
      d = later;
    }
    return d;
  }

  /** Everything on the way is lost (a partition between the log and the replica); returns how many. */
  int loseAll() {
    int n = queue.size();
    queue.clear();
    return n;
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  int faults() {
    return faults;
  }

  private void fault(int step, String what) {
    faults++;
    trace.add(step, "fault: " + what);
  }
}
