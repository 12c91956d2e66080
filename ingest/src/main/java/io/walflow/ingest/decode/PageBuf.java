package io.walflow.ingest.decode;

import io.walflow.ingest.image.PageImage;
import java.nio.ByteBuffer;

/**
 * One page's bytes with bounds-checked reads: every access names the page and offset in the
 * {@link CorruptPageException} it throws when it would leave the page, so no offset read from the
 * file is ever used unchecked.
 */
final class PageBuf {
  final int pgno;
  private final ByteBuffer buf;
  /** Bytes that reads may touch: the usable size (page size minus reserved bytes). */
  final int limit;
  /** Length in bytes of the varint read by the last {@link #varint} call. */
  int varintLength;

  private PageBuf(int pgno, ByteBuffer buf, int limit) {
    this.pgno = pgno;
    this.buf = buf;
    this.limit = limit;
  }

  /**
   * Page {@code pgno} of {@code image}, reads limited to the first {@code usable} bytes.
   *
   * @param from the page that pointed here, for the error message (0 for a root or a header)
   * @throws CorruptPageException if {@code pgno} is not a page of the image
   */
  static PageBuf of(PageImage image, int pgno, int usable, int from, String what) {
    if (pgno < 1 || pgno > image.pageCount()) {
      throw new CorruptPageException(from, -1,
          what + ": pointer to page " + pgno + " outside 1.." + image.pageCount());
    }
    ByteBuffer b = image.page(pgno);
    if (b.remaining() < usable) {
      throw new CorruptPageException(pgno, -1,
          "page of at least " + usable + " bytes, found " + b.remaining());
    }
    return new PageBuf(pgno, b, usable);
  }

  /** A page over raw bytes (tests and the header parser). */
  static PageBuf wrap(int pgno, ByteBuffer buf, int usable) {
    return new PageBuf(pgno, buf, Math.min(usable, buf.remaining()));
  }

  void check(int offset, int length, String what) {
    if (offset < 0 || length < 0 || offset > limit - length) {
      throw new CorruptPageException(pgno, offset,
          what + " (" + length + " bytes) inside the " + limit + " usable bytes");
    }
  }

  int u8(int off, String what) {
    check(off, 1, what);
    return buf.get(buf.position() + off) & 0xff;
  }

  int u16(int off, String what) {
    check(off, 2, what);
    int p = buf.position() + off;
    return ((buf.get(p) & 0xff) << 8) | (buf.get(p + 1) & 0xff);
  }

  long u32(int off, String what) {
    check(off, 4, what);
    int p = buf.position() + off;
    return ((long) (buf.get(p) & 0xff) << 24) | ((buf.get(p + 1) & 0xff) << 16)
        | ((buf.get(p + 2) & 0xff) << 8) | (buf.get(p + 3) & 0xff);
  }

  /** A page number stored as a big-endian u32; must be 1..pageCount, checked when followed. */
  int pageNumber(int off, String what) {
    long v = u32(off, what);
    if (v > Integer.MAX_VALUE) {
      throw new CorruptPageException(pgno, off, what + ": page number " + v + " out of range");
    }
    return (int) v;
  }

  /**
   * SQLite's varint (1..9 bytes, big-endian groups of 7 bits, the 9th byte contributing 8) at
   * {@code off}; sets {@link #varintLength}.
   */
  long varint(int off, String what) {
    if (off >= 0 && off <= limit - 9) {
      // Fast path: all nine possible bytes are inside the page, so no per-byte check is needed.
      int base = buf.position() + off;
      long v = 0;
      for (int i = 0; i < 8; i++) {
        int b = buf.get(base + i);
        v = (v << 7) | (b & 0x7f);
        if ((b & 0x80) == 0) {
          varintLength = i + 1;
          return v;
        }
      }
      varintLength = 9;
      return (v << 8) | (buf.get(base + 8) & 0xff);
    }
    long v = 0;
    for (int i = 0; i < 8; i++) {
      int b = u8(off + i, what);
      v = (v << 7) | (b & 0x7f);
      if ((b & 0x80) == 0) {
        varintLength = i + 1;
        return v;
      }
    }
    v = (v << 8) | u8(off + 8, what);
    varintLength = 9;
    return v;
  }

  /** Copies {@code length} bytes at {@code off} into {@code dst} at {@code dstOff}. */
  void copy(int off, byte[] dst, int dstOff, int length, String what) {
    check(off, length, what);
    buf.get(buf.position() + off, dst, dstOff, length);
  }

  /** True if {@code length} bytes at {@code off} equal those of {@code other} at {@code otherOff}. */
  boolean sameBytes(int off, PageBuf other, int otherOff, int length) {
    check(off, length, "compared bytes");
    other.check(otherOff, length, "compared bytes");
    if (length <= SHORT_COMPARE) {
      // Most cells are short: a plain loop beats allocating two slices.
      int p = buf.position() + off;
      int q = other.buf.position() + otherOff;
      for (int i = 0; i < length; i++) {
        if (buf.get(p + i) != other.buf.get(q + i)) {
          return false;
        }
      }
      return true;
    }
    return buf.slice(buf.position() + off, length)
        .equals(other.buf.slice(other.buf.position() + otherOff, length));
  }

  /** Comparisons up to this many bytes are done byte by byte, longer ones on slices. */
  private static final int SHORT_COMPARE = 64;

  /**
   * The first offset in {@code from..to-1} at which this page and {@code other} (same offsets)
   * differ, or -1 if the range is identical. Both pages must hold at least {@code to} bytes.
   */
  int mismatch(int from, int to, PageBuf other) {
    check(from, to - from, "compared bytes");
    other.check(from, to - from, "compared bytes");
    int m = buf.slice(buf.position() + from, to - from)
        .mismatch(other.buf.slice(other.buf.position() + from, to - from));
    return m < 0 ? -1 : from + m;
  }

  /** The byte at {@code off}, which the caller has checked to lie inside the usable bytes. */
  byte byteAt(int off) {
    return buf.get(buf.position() + off);
  }
}
