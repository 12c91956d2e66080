package io.walflow.ingest.image;

import java.nio.ByteBuffer;

/**
 * A read-only view of a SQLite database as a sequence of pages at one commit: the database file
 * overlaid with the committed WAL frames up to that commit.
 *
 * <p>Pages are numbered from 1 as in SQLite. Implementations are not required to be thread-safe.
 */
public interface PageImage {

  /** Page size in bytes (512 … 65536). */
  int pageSize();

  /** Number of pages in the database at this commit ("db size after commit"). */
  int pageCount();

  /**
   * The page's bytes: a read-only buffer of exactly {@link #pageSize()} bytes positioned at 0. The
   * buffer is only valid until the image changes; copy what must outlive that.
   *
   * @throws IllegalArgumentException if {@code pgno} is outside {@code 1..pageCount()}
   */
  ByteBuffer page(int pgno);
}
