package io.walflow.views;

/** What happens to a subscriber whose pending deltas exceed its buffer. */
public enum OverflowPolicy {
  /**
   * The pending deltas are discarded and replaced by one fresh snapshot (flagged {@code resync})
   * taken when the subscriber asks for more: the subscriber skips intermediate states but never
   * misses a change.
   */
  CONFLATE,
  /** The subscription ends with a {@link SlowSubscriberException}. */
  FAIL
}
