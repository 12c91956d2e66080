package io.walflow.replica.repair;

/**
 * The capture node no longer holds (part of) the asked LSN range: the replica must bootstrap the
 * database again from the newest snapshot.
 */
public final class RangeGoneException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RangeGoneException(String message) {
    super(message);
  }
}
