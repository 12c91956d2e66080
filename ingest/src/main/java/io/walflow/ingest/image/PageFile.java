package io.walflow.ingest.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A database image stored as a plain SQLite database file: page {@code n} at byte offset {@code
 * (n - 1) * pageSize}, nothing else. Used for capture's shadow copy of each database and for
 * replay, whose output must be byte-identical to the source's database file.
 */
public final class PageFile implements PageImage, AutoCloseable {
  private final Path path;
  private final FileChannel channel;
  private final int pageSize;
  private int pageCount;

  private PageFile(Path path, FileChannel channel, int pageSize, int pageCount) {
    this.path = path;
    this.channel = channel;
    this.pageSize = pageSize;
    this.pageCount = pageCount;
  }

  /**
   * Opens (creating if missing) the file at {@code path} as an image of {@code pageCount} pages of
   * {@code pageSize} bytes. Existing content is kept; call {@link #setPageCount} to resize.
   */
  public static PageFile open(Path path, int pageSize, int pageCount) throws IOException {
    FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    return new PageFile(path, ch, pageSize, pageCount);
  }

  public Path path() {
    return path;
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
      throw new IllegalArgumentException("page " + pgno + " outside 1.." + pageCount + " of " + path);
    }
    ByteBuffer buf = ByteBuffer.allocate(pageSize);
    try {
      long at = (long) (pgno - 1) * pageSize;
      while (buf.hasRemaining()) {
        int n = channel.read(buf, at + buf.position());
        if (n < 0) {
          break; // a page never written reads as zeros, as in SQLite's pager
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("reading page " + pgno + " of " + path, e);
    }
    buf.clear();
    return buf.asReadOnlyBuffer();
  }

  /** Writes one page image. */
  public void write(int pgno, byte[] data) throws IOException {
    if (data.length != pageSize) {
      throw new IllegalArgumentException("page " + pgno + " has " + data.length + " bytes, expected " + pageSize);
    }
    ByteBuffer buf = ByteBuffer.wrap(data);
    long at = (long) (pgno - 1) * pageSize;
    while (buf.hasRemaining()) {
      channel.write(buf, at + buf.position());
    }
  }

  /** Sets the database size; the file is truncated to exactly {@code pages * pageSize} bytes. */
  public void setPageCount(int pages) throws IOException {
    long size = (long) pages * pageSize;
    if (channel.size() > size) {
      channel.truncate(size);
    } else if (channel.size() < size) {
      // Extend with zeros so the file length matches the database size even for pages never written.
      channel.write(ByteBuffer.allocate(1), size - 1);
    }
    this.pageCount = pages;
  }

  /** Flushes written pages to the device. */
  public void force() throws IOException {
    channel.force(false);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
