package io.walflow.dataflow;

/** A lookup's {@code minLsn} was not applied within its timeout. */
public final class LookupTimeoutException extends Exception {
  private static final long serialVersionUID = 1L;
  private final long watermark;

  public LookupTimeoutException(String view, long minLsn, long watermark) {
    super("view '" + view + "' has applied LSN " + watermark + ", not yet the requested " + minLsn);
    this.watermark = watermark;
  }

  /** The view's watermark when the lookup gave up. */
  public long watermark() {
    return watermark;
  }
}
