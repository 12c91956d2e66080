package io.walflow.ingest.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 32-byte WAL header (sqlite.org/fileformat2.html#walformat). All fields big-endian.
 *
 * <pre>
 * offset size field
 *   0     4   magic: 0x377f0682 (little-endian checksums) or 0x377f0683 (big-endian checksums)
 *   4     4   file format version, 3007000
 *   8     4   database page size (1 encodes 65536 in the database header; here it is the size)
 *  12     4   checkpoint sequence number
 *  16     4   salt-1
 *  20     4   salt-2
 *  24     4   checksum-1 over bytes 0..23
 *  28     4   checksum-2
 * </pre>
 */
public record WalHeader(
    int magic, int version, int pageSize, int checkpointSeq, int salt1, int salt2, long checksum) {

  public static final int SIZE = 32;
  public static final int MAGIC_LE = 0x377f0682;
  public static final int MAGIC_BE = 0x377f0683;
  public static final int VERSION = 3007000;

  private static final int MAGIC_OFFSET = 0;
  private static final int VERSION_OFFSET = MAGIC_OFFSET + 4;
  private static final int PAGE_SIZE_OFFSET = VERSION_OFFSET + 4;
  private static final int CKPT_SEQ_OFFSET = PAGE_SIZE_OFFSET + 4;
  private static final int SALT1_OFFSET = CKPT_SEQ_OFFSET + 4;
  private static final int SALT2_OFFSET = SALT1_OFFSET + 4;
  private static final int CHECKSUM1_OFFSET = SALT2_OFFSET + 4;
  private static final int CHECKSUM2_OFFSET = CHECKSUM1_OFFSET + 4;

  /** True when checksum words are read big-endian (magic 0x377f0683). */
  public boolean bigEndianChecksum() {
    return (magic & 1) == 1;
  }

  /** True when {@code other} is the same WAL generation (same salts and page size). */
  public boolean sameGeneration(WalHeader other) {
    return salt1 == other.salt1 && salt2 == other.salt2 && pageSize == other.pageSize
        && magic == other.magic;
  }

  /**
   * Parses and validates a header.
   *
   * @param buf at least 32 bytes from its position
   * @param where the file, for messages
   * @throws WalFormatException when the magic, version, page size or checksum is wrong
   */
  public static WalHeader parse(ByteBuffer buf, String where) throws WalFormatException {
    ByteBuffer b = buf.duplicate().order(ByteOrder.BIG_ENDIAN);
    int base = b.position();
    if (b.remaining() < SIZE) {
      throw new WalFormatException(where + ": WAL header needs 32 bytes, found " + b.remaining());
    }
    int magic = b.getInt(base + MAGIC_OFFSET);
    if (magic != MAGIC_LE && magic != MAGIC_BE) {
      throw new WalFormatException(String.format(
          "%s: WAL header at offset 0: magic 0x%08x, expected 0x377f0682 or 0x377f0683",
          where, magic));
    }
    int version = b.getInt(base + VERSION_OFFSET);
    if (version != VERSION) {
      throw new WalFormatException(
          where + ": WAL header at offset 4: version " + version + ", expected " + VERSION);
    }
    int pageSize = b.getInt(base + PAGE_SIZE_OFFSET);
    if (pageSize < 512 || pageSize > 65536 || Integer.bitCount(pageSize) != 1) {
      throw new WalFormatException(
          where + ": WAL header at offset 8: page size " + pageSize + " is not a power of two in 512..65536");
    }
    boolean bigEndian = (magic & 1) == 1;
    long computed = WalChecksum.update(0L, b, base, 24, bigEndian);
    long stored = WalChecksum.pack(b.getInt(base + CHECKSUM1_OFFSET), b.getInt(base + CHECKSUM2_OFFSET));
    if (computed != stored) {
      throw new WalFormatException(String.format(
          "%s: WAL header checksum stored %016x, computed %016x", where, stored, computed));
    }
    return new WalHeader(magic, version, pageSize, b.getInt(base + CKPT_SEQ_OFFSET),
        b.getInt(base + SALT1_OFFSET), b.getInt(base + SALT2_OFFSET), stored);
  }

  /** Size in bytes of one frame (24-byte frame header and one page) in this WAL. */
  public int frameSize() {
    return WalFrame.HEADER_SIZE + pageSize;
  }
}
