package io.walflow.views;

/** A subscription asked to resume from an LSN the view has not reached. */
public final class FutureLsnException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final long watermark;

  public FutureLsnException(String view, long fromLsn, long watermark) {
    super("fromLsn " + fromLsn + " is beyond view '" + view + "', which has applied LSN " + watermark);
    this.watermark = watermark;
  }

  /** The view's watermark when the subscription was refused. */
  public long watermark() {
    return watermark;
  }
}
