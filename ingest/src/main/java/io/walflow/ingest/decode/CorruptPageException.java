package io.walflow.ingest.decode;

/**
 * A page (or a chain of pages) that does not follow SQLite's file format: an offset or length
 * beyond the page, a record header that contradicts its length, a pointer to a page that does not
 * exist, an overflow chain or b-tree that loops.
 *
 * <p>The message names the page, the byte offset in that page and what was expected there; {@link
 * #page()} and {@link #offset()} give them to code.
 */
public final class CorruptPageException extends DecodeException {
  private final int page;
  private final int offset;

  /**
   * @param page the page number where the problem was found (0 when no page applies)
   * @param offset the byte offset in that page (-1 when no offset applies)
   * @param expected what was found and what was expected instead
   */
  public CorruptPageException(int page, int offset, String expected) {
    super("page " + page + (offset >= 0 ? " offset " + offset : "") + ": " + expected, null);
    this.page = page;
    this.offset = offset;
  }

  /** The page number where the problem was found, or 0 when none applies. */
  public int page() {
    return page;
  }

  /** The byte offset in that page, or -1 when none applies. */
  public int offset() {
    return offset;
  }
}
