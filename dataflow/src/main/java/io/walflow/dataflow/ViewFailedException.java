package io.walflow.dataflow;

/**
 * The view can no longer be maintained: a table it reads was dropped or changed incompatibly, or
 * applying a transaction to it failed. The message names the view, the cause and the LSN. Other
 * views are not affected; drop the view (and create it again once the schema fits).
 */
public final class ViewFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ViewFailedException(String message) {
    super(message);
  }
}
