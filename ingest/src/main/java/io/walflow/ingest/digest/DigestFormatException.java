package io.walflow.ingest.digest;

/** Bytes that do not hold a well-formed digest (entry body, digest file, repair answer); says what and where. */
public final class DigestFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DigestFormatException(String message) {
    super(message);
  }
}
