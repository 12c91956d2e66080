package io.walflow.replica;

/** A read's key, cursor or parameters are malformed; the message names which and why. */
public final class BadReadException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BadReadException(String message) {
    super(message);
  }
}
