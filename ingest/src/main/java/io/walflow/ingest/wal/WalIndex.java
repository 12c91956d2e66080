package io.walflow.ingest.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.Optional;

/**
 * What SQLite itself says is committed in a WAL: the header of the wal-index, the {@code -shm} file
 * every connection in WAL mode shares (sqlite.org/walformat.html#the_wal_index_file_format). It is
 * written by the committing connection after the commit's frames, so a WAL read after it holds
 * every frame it counts.
 *
 * <pre>
 * offset size field (native byte order; two copies, at 0 and at 48)
 *   0     4   version, 3007000
 *   8     4   change counter, incremented by every transaction that commits frames
 *  12     1   isInit, 1 once the header is valid
 *  13     1   1 when the WAL's checksums are big-endian
 *  16     4   mxFrame: frames in the WAL up to and including the last commit frame
 *  32     8   the WAL header's salts, as the bytes of the WAL header (16..23)
 *  40     8   checksum over bytes 0..39, native byte order
 * </pre>
 *
 * <p>SQLite reads both copies and trusts them only when they are equal and the checksum holds
 * (src/wal.c, walIndexTryHdr); so does {@link #read}.
 *
 * @param changeCounter the header's change counter
 * @param maxFrame frames of the WAL generation that are committed
 * @param salt1 the generation's salt-1, as {@link WalHeader#salt1()}
 * @param salt2 the generation's salt-2, as {@link WalHeader#salt2()}
 */
public record WalIndex(int changeCounter, long maxFrame, int salt1, int salt2) {
  private static final int HEADER_COPY = 48;
  private static final int VERSION = 3007000;

  /**
   * Reads the wal-index header from {@code shm}, a channel open on the {@code -shm} file. Keep that
   * channel open while the process has SQLite connections to the database: closing a descriptor of
   * the file releases every POSIX lock the process holds on it, SQLite's read marks included.
   *
   * @return empty when the header is not initialised or is being written (the two copies differ or
   *     the checksum fails): ask again later
   */
  public static Optional<WalIndex> read(FileChannel shm) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(2 * HEADER_COPY);
    if (WalScanner.readFully(shm, b, 0) < 2 * HEADER_COPY) {
      return Optional.empty();
    }
    return parse(b);
  }

  /** Parses the two header copies at the start of {@code shm} (see {@link #read}). */
  static Optional<WalIndex> parse(ByteBuffer shm) {
    ByteBuffer b = shm.duplicate().order(ByteOrder.nativeOrder());
    for (int i = 0; i < HEADER_COPY; i++) {
      if (b.get(i) != b.get(HEADER_COPY + i)) {
        return Optional.empty();
      }
    }
    if (b.getInt(0) != VERSION || b.get(12) != 1) {
      return Optional.empty();
    }
    long sum = WalChecksum.update(0L, b, 0, 40, ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN);
    if (WalChecksum.s0(sum) != b.getInt(40) || WalChecksum.s1(sum) != b.getInt(44)) {
      return Optional.empty();
    }
    ByteBuffer salts = shm.duplicate().order(ByteOrder.BIG_ENDIAN);
    return Optional.of(new WalIndex(b.getInt(8), Integer.toUnsignedLong(b.getInt(16)), salts.getInt(32),
        salts.getInt(36)));
  }

  /** True when this index describes the WAL generation of {@code header}. */
  public boolean inGeneration(WalHeader header) {
    return salt1 == header.salt1() && salt2 == header.salt2();
  }

  /** Byte offset in the WAL just after the last committed frame (32 when no frame is committed). */
  public long endOffset(int frameSize) {
    return WalHeader.SIZE + maxFrame * frameSize;
  }
}
