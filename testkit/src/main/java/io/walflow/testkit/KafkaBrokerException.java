package io.walflow.testkit;

/** The Kafka broker child process could not be started, or stopped working. */
public final class KafkaBrokerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public KafkaBrokerException(String message) {
    super(message);
  }

  public KafkaBrokerException(String message, Throwable cause) {
    super(message, cause);
  }
}
