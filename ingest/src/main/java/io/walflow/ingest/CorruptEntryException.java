package io.walflow.ingest;

/**
 * A log entry failed its checksum or bounds checks. Nothing is decoded from such an entry; the
 * message names the log position (queue index and byte offset within the document) and what was
 * expected.
 */
public final class CorruptEntryException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String position;

  public CorruptEntryException(String position, String message) {
    super("corrupt log entry at " + position + ": " + message);
    this.position = position;
  }

  /** The position of the corrupt entry, as printed in the message. */
  public String position() {
    return position;
  }
}
