package io.walflow.views.client;

import java.util.OptionalLong;

/** The server refused a request (status and its message), or a subscription stream failed. */
public final class WalflowClientException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;
  private final OptionalLong watermark;

  public WalflowClientException(int status, String message, OptionalLong watermark) {
    super(status > 0 ? "HTTP " + status + ": " + message : message);
    this.status = status;
    this.watermark = watermark;
  }

  /** The HTTP status, or 0 for a failure of the stream itself (connection lost, error event). */
  public int status() {
    return status;
  }

  /** The view's watermark when the server reported one (lookup timeouts, future LSNs). */
  public OptionalLong watermark() {
    return watermark;
  }

  /** Worth retrying: the stream broke, the server is overloaded or slow, or the client was throttled. */
  public boolean retryable() {
    return status == 0 || status == 429 || status == 502 || status == 503 || status == 504;
  }
}
