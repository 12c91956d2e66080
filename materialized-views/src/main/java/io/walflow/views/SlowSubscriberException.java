package io.walflow.views;

/** A subscriber fell more deltas behind than its buffer holds, under {@link OverflowPolicy#FAIL}. */
public final class SlowSubscriberException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public SlowSubscriberException(String view, int buffered) {
    super("subscriber of view '" + view + "' fell more than " + buffered + " deltas behind and the overflow "
        + "policy is FAIL");
  }
}
