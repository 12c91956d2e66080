package io.walflow.ingest.decode;

import io.walflow.ingest.image.PageImage;
import java.nio.ByteBuffer;
import java.util.BitSet;

/** A {@link PageImage} over a whole database file held in memory (test fixture). */
final class ByteImage implements PageImage {
  private final byte[] bytes;
  private final int pageSize;

  ByteImage(byte[] bytes, int pageSize) {
    if (bytes.length % pageSize != 0) {
      throw new IllegalArgumentException(bytes.length + " bytes is not a whole number of " + pageSize + "-byte pages");
    }
    this.bytes = bytes;
    this.pageSize = pageSize;
  }

  /** Reads the page size from the header. */
  static ByteImage of(byte[] bytes) {
    int raw = ((bytes[16] & 0xff) << 8) | (bytes[17] & 0xff);
    return new ByteImage(bytes, raw == 1 ? 65536 : raw);
  }

  byte[] bytes() {
    return bytes;
  }

  @Override
  public int pageSize() {
    return pageSize;
  }

  @Override
  public int pageCount() {
    return bytes.length / pageSize;
  }

  @Override
  public ByteBuffer page(int pgno) {
    if (pgno < 1 || pgno > pageCount()) {
      throw new IllegalArgumentException("page " + pgno + " outside 1.." + pageCount());
    }
    return ByteBuffer.wrap(bytes, (pgno - 1) * pageSize, pageSize).slice().asReadOnlyBuffer();
  }

  /**
   * Pages whose bytes differ between the two images, plus pages that only {@code after} has: a
   * strict version of "pages the commit wrote" (SQLite may write pages without changing them).
   */
  static BitSet changedPages(ByteImage before, ByteImage after) {
    BitSet changed = new BitSet();
    int ps = after.pageSize;
    for (int p = 1; p <= after.pageCount(); p++) {
      if (p > before.pageCount() || before.pageSize != ps
          || !java.util.Arrays.equals(before.bytes, (p - 1) * ps, p * ps, after.bytes, (p - 1) * ps, p * ps)) {
        changed.set(p);
      }
    }
    return changed;
  }
}
