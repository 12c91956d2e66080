package io.walflow.views.stream;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the drain loops of the subscribers delivered on one executor (a Netty event loop, or one of
 * the views' delivery threads) with one task per burst: when the engine offers a delta to thousands
 * of subscribers, the executor is handed one task that drains all of them instead of one task (and
 * possibly one wake-up) per subscriber. Each subscriber's own drain stays serialized by its work
 * counter; the lane only batches the hand-offs. Thread-safe.
 */
final class DeliveryLane implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(DeliveryLane.class);
  private final Executor executor;
  private final Queue<Subscriber> ready = new ConcurrentLinkedQueue<>();
  private final AtomicInteger wip = new AtomicInteger();

  DeliveryLane(Executor executor) {
    this.executor = executor;
  }

  /** Queues {@code s}'s drain; hands the executor a task unless one is pending or running. */
  void submit(Subscriber s) {
    ready.offer(s);
    if (wip.getAndIncrement() == 0) {
      try {
        executor.execute(this);
      } catch (RejectedExecutionException e) {
        // The executor is shutting down (its connections are closing): nothing can be delivered on it.
        LOG.debug("delivery executor {} refused a task: {}", executor, e.toString());
      }
    }
  }

  @Override
  public void run() {
    int missed = 1;
    while (true) {
      Subscriber s;
      while ((s = ready.poll()) != null) {
        try {
          s.drain();
        } catch (RuntimeException | Error e) {
          LOG.error("delivering view events to a subscriber failed", e);
        }
      }
      missed = wip.addAndGet(-missed);
      if (missed == 0) {
        return;
      }
    }
  }
}
