package io.walflow.ingest.image;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * A {@link PageImage} made of a base image with some pages replaced: the state after a commit,
 * given the state before it and the pages the commit wrote.
 *
 * <p>Pages above {@code pageCount} do not exist (a commit may shrink the database); pages between
 * the base's count and {@code pageCount} that the commit did not write read as zeros, as SQLite's
 * pager does for a grown file.
 */
public final class OverlayImage implements PageImage {
  private final PageImage base;
  private final Map<Integer, ByteBuffer> pages;
  private final int pageCount;

  /**
   * @param base the image before the commit
   * @param pages page number to page bytes written by the commit (each exactly the page size)
   * @param pageCount the database size in pages after the commit
   */
  public OverlayImage(PageImage base, Map<Integer, ByteBuffer> pages, int pageCount) {
    this.base = base;
    this.pages = pages;
    this.pageCount = pageCount;
  }

  @Override
  public int pageSize() {
    return base.pageSize();
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
    ByteBuffer written = pages.get(pgno);
    if (written != null) {
      return written.asReadOnlyBuffer().position(0);
    }
    if (pgno <= base.pageCount()) {
      return base.page(pgno);
    }
    return ByteBuffer.allocate(base.pageSize()).asReadOnlyBuffer();
  }
}
