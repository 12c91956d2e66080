package io.walflow.dataflow;

/** A lookup or subscription gave the wrong number of parameter values (or values that cannot be coerced). */
public final class BadParametersException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public BadParametersException(String message) {
    super(message);
  }
}
