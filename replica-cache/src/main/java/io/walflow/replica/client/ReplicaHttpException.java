package io.walflow.replica.client;

/** The replica's HTTP API answered with an error the client has no typed exception for (401, 5xx…). */
public final class ReplicaHttpException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;

  public ReplicaHttpException(int status, String message) {
    super("HTTP " + status + ": " + message);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
