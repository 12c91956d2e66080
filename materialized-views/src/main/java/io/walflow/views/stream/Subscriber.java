package io.walflow.views.stream;

import io.walflow.dataflow.ViewResult;
import io.walflow.views.EncodedEvent;
import io.walflow.views.OverflowPolicy;
import io.walflow.views.SlowSubscriberException;
import io.walflow.views.ViewEvent;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * One subscriber of a {@link SharedStream}: its bounded buffer of deltas and the loop that hands
 * them to the subscriber as it asks for them.
 *
 * <p>The engine thread only appends to the buffer (O(1), never waits for the subscriber); a drain
 * loop on the subscriber's {@link DeliveryLane} emits events while there is demand. When the buffer is full, the overflow
 * policy applies: under {@code CONFLATE} the buffered deltas are discarded and replaced by one
 * snapshot (flagged resync), taken once the subscriber asks for more, at an LSN at least that of
 * the last discarded delta; deltas up to the snapshot's LSN are then skipped. No delta is emitted
 * between a discarded one and the replacing snapshot, so the subscriber never sees a state the
 * view did not have.
 */
final class Subscriber {
  private final SharedStream stream;
  private final FluxSink<EncodedEvent> sink;
  private final int bufferSize;
  private final OverflowPolicy policy;
  private final DeliveryLane lane;
  private final AtomicInteger wip = new AtomicInteger();

  // Guarded by this.
  private final ArrayDeque<EncodedEvent> queue = new ArrayDeque<>();
  /** A snapshot must be taken (at an LSN >= snapshotFloor) before any further delta. */
  private boolean needSnapshot;
  private boolean snapshotResync;
  private long snapshotFloor;
  private boolean snapshotInFlight;
  /** Bumped whenever a snapshot in flight or ready becomes stale (a later overflow). */
  private int snapshotGeneration;
  private EncodedEvent readySnapshot;
  /** Deltas at or below this LSN are contained in what the subscriber already has. */
  private long skipUpTo;
  /** LSN of the last event emitted (or the resume position); -1 before the first. */
  private long lastEmitted = -1;
  private long progressLsn = -1;
  private boolean completed;
  private Throwable failure;
  private volatile boolean cancelled;

  Subscriber(SharedStream stream, FluxSink<EncodedEvent> sink, int bufferSize, OverflowPolicy policy,
      DeliveryLane lane) {
    this.stream = stream;
    this.sink = sink;
    this.bufferSize = bufferSize;
    this.policy = policy;
    this.lane = lane;
  }

  /** Starts from a snapshot that is already known (the engine's, at the stream's start). */
  synchronized void startWith(EncodedEvent snapshot) {
    readySnapshot = snapshot;
  }

  /** Starts from a snapshot to be taken at an LSN of at least {@code floor}. */
  synchronized void startWithSnapshot(long floor, boolean resync) {
    needSnapshot = true;
    snapshotFloor = floor;
    snapshotResync = resync;
  }

  /** Starts after {@code fromLsn}: the subscriber holds the result at that LSN. */
  synchronized void startAfter(long fromLsn) {
    skipUpTo = fromLsn;
    lastEmitted = fromLsn;
  }

  /** Appends a replayed delta (resume from history); not subject to the buffer bound. */
  synchronized void replay(EncodedEvent delta) {
    queue.add(delta);
  }

  /** Called on the engine thread, in LSN order: buffers a delta or applies the overflow policy. */
  void offer(EncodedEvent delta) {
    synchronized (this) {
      if (completed || cancelled) {
        return;
      }
      if (queue.size() >= bufferSize) {
        if (policy == OverflowPolicy.FAIL) {
          completed = true;
          failure = new SlowSubscriberException(stream.key().view(), bufferSize);
          queue.clear();
        } else {
          queue.clear();
          needSnapshot = true;
          snapshotResync = true;
          snapshotFloor = delta.event().lsn();
          readySnapshot = null;
          snapshotGeneration++;
        }
      } else {
        queue.add(delta);
      }
    }
    schedule();
  }

  /** The stream has applied every transaction up to {@code lsn}: a progress event is due. */
  void progress(long lsn) {
    synchronized (this) {
      progressLsn = Math.max(progressLsn, lsn);
    }
    schedule();
  }

  /** No more deltas: complete once the buffer is emitted (or fail with {@code error}). */
  void complete(Throwable error) {
    synchronized (this) {
      completed = true;
      if (error != null && failure == null) {
        failure = error;
      }
    }
    schedule();
  }

  void cancel() {
    cancelled = true;
  }

  /** Runs the drain loop on the subscriber's lane (once at a time). */
  void schedule() {
    if (wip.getAndIncrement() == 0) {
      lane.submit(this);
    }
  }

  /** The drain loop; runs on the lane's executor, never on two threads at once. */
  void drain() {
    int missed = 1;
    while (true) {
      drainOnce();
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }

  /**
   * Emits while there is demand. Decisions are taken under this subscriber's lock; the sink is
   * only called outside it (a terminal signal runs the dispose hook, which takes the stream's lock,
   * and the engine thread holds that one while offering to this subscriber).
   */
  private void drainOnce() {
    while (!cancelled) {
      EncodedEvent next = null;
      Throwable error = null;
      boolean complete = false;
      synchronized (this) {
        long demand = sink.requestedFromDownstream();
        if (failure != null && (policy == OverflowPolicy.FAIL || queue.isEmpty() || needSnapshot)) {
          error = failure;
          failure = null;
          queue.clear();
        } else if (needSnapshot) {
          if (completed && !snapshotInFlight) {
            // The stream ended (view dropped) before a snapshot could be taken: nothing more to show.
            complete = true;
          } else {
            if (!snapshotInFlight && demand > 0) {
              takeSnapshot();
            }
            return;
          }
        } else if (snapshotInFlight) {
          return;
        } else if (readySnapshot != null) {
          if (demand == 0) {
            return;
          }
          next = readySnapshot;
          readySnapshot = null;
          skipUpTo = Math.max(skipUpTo, next.event().lsn());
        } else {
          while (!queue.isEmpty() && queue.peek().event().lsn() <= skipUpTo) {
            queue.poll();
          }
          if (!queue.isEmpty()) {
            if (demand == 0) {
              return;
            }
            next = queue.poll();
          } else if (completed) {
            complete = true;
          } else if (progressLsn >= 0 && lastEmitted >= 0) {
            if (demand == 0) {
              return;
            }
            next = new EncodedEvent(new ViewEvent.Progress(Math.max(progressLsn, lastEmitted)));
            progressLsn = -1;
          } else {
            return;
          }
        }
        if (next != null) {
          lastEmitted = Math.max(lastEmitted, next.event().lsn());
        } else {
          cancelled = true;
        }
      }
      if (error != null) {
        sink.error(error);
        return;
      } else if (complete) {
        sink.complete();
        return;
      }
      sink.next(next);
    }
  }

  /** Called with this locked: looks the rows up at the floor or later, off the drain thread. */
  private void takeSnapshot() {
    snapshotInFlight = true;
    needSnapshot = false;
    int generation = snapshotGeneration;
    long floor = snapshotFloor;
    boolean resync = snapshotResync;
    Mono.fromCallable(() -> stream.lookup(floor))
        .subscribeOn(Schedulers.boundedElastic())
        .subscribe(result -> snapshotTaken(result, generation, resync), this::snapshotFailed);
  }

  private void snapshotTaken(ViewResult r, int generation, boolean resync) {
    synchronized (this) {
      snapshotInFlight = false;
      if (generation == snapshotGeneration) {
        readySnapshot = new EncodedEvent(new ViewEvent.Snapshot(r.lsn(), r.columns(), r.rows(), resync));
      } else {
        needSnapshot = true;
      }
    }
    schedule();
  }

  private void snapshotFailed(Throwable e) {
    synchronized (this) {
      snapshotInFlight = false;
      completed = true;
      failure = e;
      queue.clear();
    }
    schedule();
  }

  @Override
  public synchronized String toString() {
    return "Subscriber{queue=" + queue.size() + ", needSnapshot=" + needSnapshot + ", inFlight=" + snapshotInFlight
        + ", ready=" + (readySnapshot != null) + ", skipUpTo=" + skipUpTo + ", lastEmitted=" + lastEmitted
        + ", demand=" + sink.requestedFromDownstream() + ", wip=" + wip.get() + ", completed=" + completed
        + ", cancelled=" + cancelled + "}";
  }

  /** Deltas currently buffered (for status and tests). */
  synchronized int buffered() {
    return queue.size();
  }
}
