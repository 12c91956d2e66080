package io.walflow.ingest.wal;

/**
 * Layout of a WAL frame header (sqlite.org/fileformat2.html#walformat). All fields big-endian.
 *
 * <pre>
 * offset size field
 *   0     4   page number
 *   4     4   for a commit frame, the database size in pages after the commit; otherwise 0
 *   8     4   salt-1, copied from the WAL header
 *  12     4   salt-2, copied from the WAL header
 *  16     4   checksum-1: cumulative over the WAL header, earlier frames, bytes 0..7 of this header
 *  20     4   checksum-2        and this frame's page
 *  24     P   the page image (P = page size)
 * </pre>
 */
public final class WalFrame {
  private WalFrame() {}

  public static final int PGNO_OFFSET = 0;
  public static final int DB_SIZE_OFFSET = PGNO_OFFSET + 4;
  public static final int SALT1_OFFSET = DB_SIZE_OFFSET + 4;
  public static final int SALT2_OFFSET = SALT1_OFFSET + 4;
  public static final int CHECKSUM1_OFFSET = SALT2_OFFSET + 4;
  public static final int CHECKSUM2_OFFSET = CHECKSUM1_OFFSET + 4;
  public static final int HEADER_SIZE = CHECKSUM2_OFFSET + 4;
  /** Bytes of the frame header covered by the checksum. */
  public static final int CHECKSUMMED_HEADER_BYTES = 8;
}
