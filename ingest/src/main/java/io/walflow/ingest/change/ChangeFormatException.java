package io.walflow.ingest.change;

/**
 * Bytes or JSON that are not a valid encoding of a {@link ChangeSet}: truncated, a length beyond
 * the end, an unknown version, tag or flag, malformed UTF-8, trailing bytes. The message names the
 * offset (or JSON path) and what was expected there.
 */
public final class ChangeFormatException extends Exception {
  private final long offset;

  /**
   * @param offset byte offset of the problem in the encoded input, or -1 when not applicable
   * @param message what was found and what was expected
   */
  public ChangeFormatException(long offset, String message) {
    super(offset >= 0 ? "at byte " + offset + ": " + message : message);
    this.offset = offset;
  }

  /** The byte offset of the problem, or -1 when not applicable (JSON). */
  public long offset() {
    return offset;
  }
}
