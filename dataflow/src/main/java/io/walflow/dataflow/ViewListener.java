package io.walflow.dataflow;

/**
 * Receives a subscription's changes, on the dataflow's threads: implementations must return
 * quickly and never block (hand the event to a queue).
 */
public interface ViewListener {

  /** A transaction changed the subscribed rows. */
  void onDelta(ViewDelta delta);

  /** The view has applied every transaction up to {@code lsn} (called after any delta for it). */
  void onWatermark(long lsn);

  /** The view was dropped or the engine closed: no more events. */
  void onClose();
}
