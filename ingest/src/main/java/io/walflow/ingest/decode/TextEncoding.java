package io.walflow.ingest.decode;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * The database text encoding (header offset 56). Every TEXT value in every record of the file uses
 * it. Malformed sequences decode to U+FFFD, as Java's decoders do.
 */
enum TextEncoding {
  UTF_8(StandardCharsets.UTF_8),
  UTF_16LE(StandardCharsets.UTF_16LE),
  UTF_16BE(StandardCharsets.UTF_16BE);

  private final Charset charset;

  TextEncoding(Charset charset) {
    this.charset = charset;
  }

  String decode(byte[] bytes, int offset, int length) {
    return new String(bytes, offset, length, charset);
  }

  /**
   * The encoding numbered {@code code} in the header. 0 means "not yet set" (a database whose
   * schema is still empty) and reads as UTF-8, SQLite's default.
   */
  static TextEncoding fromHeader(long code, int offset) {
    if (code < 0 || code > 3) {
      throw new CorruptPageException(1, offset, "text encoding 1, 2 or 3, found " + code);
    }
    return switch ((int) code) {
      case 0, 1 -> UTF_8;
      case 2 -> UTF_16LE;
      case 3 -> UTF_16BE;
      default -> throw new CorruptPageException(1, offset, "text encoding 1, 2 or 3, found " + code);
    };
  }
}
