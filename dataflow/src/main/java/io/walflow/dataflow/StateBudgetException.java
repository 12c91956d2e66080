package io.walflow.dataflow;

/**
 * Reading one key of a view would take more state than the engine's memory bound allows, even with
 * every other key evicted. Nothing is kept of the attempt; the view keeps serving other keys.
 */
public final class StateBudgetException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StateBudgetException(String message) {
    super(message);
  }
}
