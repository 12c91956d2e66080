package io.walflow.ingest.decode;

import io.walflow.ingest.image.PageImage;
import java.util.Arrays;
import java.util.BitSet;

/**
 * Overflow chains: the pages that hold the part of a payload that did not fit on its b-tree page.
 * Each overflow page starts with the next page's number (0 on the last) followed by up to U−4
 * payload bytes.
 *
 * <p>The number of pages a chain must have follows from the payload size, so a walk never follows
 * more pointers than that; the walk is done before the payload is allocated, so a garbage payload
 * size fails on a bad pointer instead of allocating gigabytes, and a page seen twice is a loop.
 */
final class Overflow {
  /** Chains up to this length are checked for loops by scanning; longer ones with a bit set. */
  private static final int LINEAR_LOOP_CHECK = 32;

  private Overflow() {}

  /** The chain's page numbers in order; empty when the payload is all local. */
  static int[] chain(PageImage image, int usable, BtreePage.Cell cell) {
    if (cell.firstOverflow() == 0) {
      return new int[0];
    }
    long rest = cell.payloadSize() - cell.localSize();
    long pages = (rest + usable - 5) / (usable - 4);
    if (pages > image.pageCount()) {
      throw new CorruptPageException(cell.pgno(), cell.offset(),
          "a payload of " + cell.payloadSize() + " bytes needs " + pages
              + " overflow pages, more than the " + image.pageCount() + " pages of the database");
    }
    int n = (int) pages;
    int[] chain = new int[Math.min(n, 64)];
    BitSet seen = n > LINEAR_LOOP_CHECK ? new BitSet() : null;
    int from = cell.pgno();
    int fromOffset = cell.localOffset() + cell.localSize();
    int page = cell.firstOverflow();
    for (int i = 0; i < n; i++) {
      if (page < 2 || page > image.pageCount()) {
        throw new CorruptPageException(from, fromOffset,
            "overflow page " + (i + 1) + " of " + n + " in 2.." + image.pageCount() + ", found " + page);
      }
      if (seen != null ? seen.get(page) : contains(chain, i, page)) {
        throw new CorruptPageException(from, fromOffset, "overflow chain loops back to page " + page);
      }
      if (seen != null) {
        seen.set(page);
      }
      if (i == chain.length) {
        chain = Arrays.copyOf(chain, Math.min(n, chain.length * 2));
      }
      chain[i] = page;
      if (i + 1 < n) {
        PageBuf p = PageBuf.of(image, page, usable, from, "overflow page");
        from = page;
        fromOffset = 0;
        page = p.pageNumber(0, "next overflow page");
      }
    }
    return chain;
  }

  private static boolean contains(int[] a, int n, int v) {
    for (int i = 0; i < n; i++) {
      if (a[i] == v) {
        return true;
      }
    }
    return false;
  }

  /** The whole payload of {@code cell}: its local part followed by its overflow pages. */
  static byte[] payload(PageImage image, int usable, BtreePage.Cell cell, PageBuf cellPage) {
    return payload(image, usable, cell, cellPage, chain(image, usable, cell));
  }

  /** The whole payload of {@code cell}, given its {@link #chain}. */
  static byte[] payload(PageImage image, int usable, BtreePage.Cell cell, PageBuf cellPage, int[] chain) {
    byte[] out = new byte[(int) cell.payloadSize()];
    cellPage.copy(cell.localOffset(), out, 0, cell.localSize(), "local payload");
    int pos = cell.localSize();
    for (int page : chain) {
      PageBuf p = PageBuf.of(image, page, usable, cell.pgno(), "overflow page");
      int n = Math.min(usable - 4, out.length - pos);
      p.copy(4, out, pos, n, "overflow content");
      pos += n;
    }
    return out;
  }
}
