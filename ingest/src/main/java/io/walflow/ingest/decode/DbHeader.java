package io.walflow.ingest.decode;

import io.walflow.ingest.image.PageImage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The 100-byte database header at the start of page 1, reduced to what decoding needs.
 *
 * <pre>
 * offset size field
 *   0     16  "SQLite format 3\0"
 *  16      2  page size (big-endian; 1 means 65536)
 *  20      1  reserved bytes at the end of each page
 *  28      4  database size in pages (not trusted: the image's page count is)
 *  32      4  first freelist trunk page
 *  36      4  number of freelist pages
 *  40      4  schema cookie (incremented by every schema change, and by VACUUM)
 *  52      4  largest root b-tree page (non-zero only with auto_vacuum)
 *  56      4  text encoding: 1 UTF-8, 2 UTF-16le, 3 UTF-16be
 * </pre>
 *
 * @param pageSize page size in bytes
 * @param reserved reserved bytes per page
 * @param usableSize U, the page size minus the reserved bytes
 * @param schemaCookie the schema cookie
 * @param largestRoot the auto-vacuum largest root page, 0 without auto-vacuum
 * @param encoding the text encoding
 */
record DbHeader(
    int pageSize, int reserved, int usableSize, long schemaCookie, long largestRoot,
    TextEncoding encoding) {

  static final int MAGIC_OFFSET = 0;
  static final int MAGIC_LENGTH = 16;
  static final int PAGE_SIZE_OFFSET = MAGIC_OFFSET + MAGIC_LENGTH;
  static final int RESERVED_OFFSET = 20;
  static final int SCHEMA_COOKIE_OFFSET = 40;
  static final int LARGEST_ROOT_OFFSET = 52;
  static final int TEXT_ENCODING_OFFSET = 56;
  static final int HEADER_SIZE = 100;
  /** SQLite refuses databases whose usable size is below 480 bytes. */
  static final int MIN_USABLE_SIZE = 480;

  private static final byte[] MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

  /**
   * Parses the header of {@code image}.
   *
   * @throws CorruptPageException if the header is not a SQLite header or disagrees with the
   *     image's page size
   */
  static DbHeader read(PageImage image) {
    if (image.pageCount() < 1) {
      throw new CorruptPageException(1, -1, "an image with at least page 1, found no pages");
    }
    ByteBuffer b = image.page(1);
    return parse(PageBuf.wrap(1, b, b.remaining()), image.pageSize());
  }

  static DbHeader parse(PageBuf p, int imagePageSize) {
    for (int i = 0; i < MAGIC_LENGTH; i++) {
      if (p.u8(MAGIC_OFFSET + i, "header magic") != (MAGIC[i] & 0xff)) {
        throw new CorruptPageException(1, MAGIC_OFFSET + i, "the header string \"SQLite format 3\"");
      }
    }
    int raw = p.u16(PAGE_SIZE_OFFSET, "page size");
    int pageSize = raw == 1 ? 65536 : raw;
    if (pageSize < 512 || pageSize > 65536 || Integer.bitCount(pageSize) != 1) {
      throw new CorruptPageException(1, PAGE_SIZE_OFFSET, "a power-of-two page size 512..65536, found " + raw);
    }
    if (pageSize != imagePageSize) {
      throw new CorruptPageException(1, PAGE_SIZE_OFFSET,
          "page size " + imagePageSize + " of the image, header says " + pageSize);
    }
    int reserved = p.u8(RESERVED_OFFSET, "reserved bytes");
    int usable = pageSize - reserved;
    if (usable < MIN_USABLE_SIZE) {
      throw new CorruptPageException(1, RESERVED_OFFSET,
          "a usable size of at least " + MIN_USABLE_SIZE + ", found " + usable);
    }
    long cookie = p.u32(SCHEMA_COOKIE_OFFSET, "schema cookie");
    long largestRoot = p.u32(LARGEST_ROOT_OFFSET, "largest root page");
    TextEncoding enc = TextEncoding.fromHeader(p.u32(TEXT_ENCODING_OFFSET, "text encoding"), TEXT_ENCODING_OFFSET);
    return new DbHeader(pageSize, reserved, usable, cookie, largestRoot, enc);
  }
}
