package io.walflow.dataflow;

/** An open subscription; closing it stops its events and lets its key be evicted. */
public interface ViewSubscription extends AutoCloseable {

  /** The subscribed rows at the moment of subscribing; deltas follow from {@code snapshot().lsn() + 1}. */
  ViewResult snapshot();

  @Override
  void close();
}
