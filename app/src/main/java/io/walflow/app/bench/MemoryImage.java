package io.walflow.app.bench;

import io.walflow.ingest.LogEntry;
import io.walflow.ingest.image.PageImage;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * A database image held in memory, built from a snapshot's pages and moved forward by applying
 * each commit's pages: the "before" image of the decode benchmark, so that reading a page costs a
 * memory access rather than a file read. Counts the pages read through it.
 */
final class MemoryImage implements PageImage {
  private final int pageSize;
  private byte[][] pages;
  private int pageCount;
  private long reads;

  MemoryImage(int pageSize, int pageCount) {
    this.pageSize = pageSize;
    this.pageCount = pageCount;
    this.pages = new byte[Math.max(16, pageCount + 1)][];
  }

  @Override
  public int pageSize() {
    return pageSize;
  }

  @Override
  public int pageCount() {
    return pageCount;
  }

  @Override
  public ByteBuffer page(int pgno) {
    if (pgno < 1 || pgno > pageCount) {
      throw new IllegalArgumentException("page " + pgno + " outside 1.." + pageCount);
    }
    reads++;
    byte[] p = pages[pgno];
    return p == null ? ByteBuffer.allocate(pageSize).asReadOnlyBuffer() : ByteBuffer.wrap(p).asReadOnlyBuffer();
  }

  /** Pages read through {@link #page} so far. */
  long reads() {
    return reads;
  }

  /** Stores the pages (kept, not copied) and sets the database size in pages. */
  void apply(List<LogEntry.Page> written, int newPageCount) {
    if (newPageCount + 1 > pages.length) {
      pages = Arrays.copyOf(pages, Math.max(newPageCount + 1, pages.length * 2));
    }
    for (LogEntry.Page p : written) {
      if (p.pgno() <= newPageCount) {
        pages[p.pgno()] = p.data();
      }
    }
    for (int p = newPageCount + 1; p <= pageCount && p < pages.length; p++) {
      pages[p] = null; // pages above the new size no longer exist
    }
    pageCount = newPageCount;
  }
}
