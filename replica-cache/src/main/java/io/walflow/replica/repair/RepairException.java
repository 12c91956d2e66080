package io.walflow.replica.repair;

/**
 * A repair fetch failed: the capture node is unreachable, refused the request, or answered with
 * bytes that are not a well-formed entry stream (nothing of such an answer is applied).
 */
public final class RepairException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RepairException(String message, Throwable cause) {
    super(message, cause);
  }
}
