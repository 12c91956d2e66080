package io.walflow.ingest.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * SQLite's WAL checksum (src/wal.c, walChecksumBytes): over 32-bit words taken two at a time,
 * {@code s0 += x[i] + s1; s1 += x[i+1] + s0}, chained from the header through every frame. The
 * words are big-endian when the header magic is 0x377f0683 and little-endian when it is
 * 0x377f0682.
 *
 * <p>The running pair is packed into one {@code long}: s0 in the high 32 bits, s1 in the low.
 */
public final class WalChecksum {
  private WalChecksum() {}

  /** Packs the two checksum words. */
  public static long pack(int s0, int s1) {
    return ((long) s0 << 32) | (s1 & 0xffffffffL);
  }

  public static int s0(long packed) {
    return (int) (packed >>> 32);
  }

  public static int s1(long packed) {
    return (int) packed;
  }

  /**
   * Continues the checksum {@code seed} over {@code length} bytes of {@code buf} starting at
   * absolute index {@code offset}. {@code length} must be a multiple of 8.
   */
  public static long update(long seed, ByteBuffer buf, int offset, int length, boolean bigEndian) {
    if ((length & 7) != 0) {
      throw new IllegalArgumentException("checksum length " + length + " is not a multiple of 8");
    }
    ByteBuffer words = buf.duplicate().order(bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
    int s0 = s0(seed);
    int s1 = s1(seed);
    int end = offset + length;
    for (int i = offset; i < end; i += 8) {
      s0 += words.getInt(i) + s1;
      s1 += words.getInt(i + 4) + s0;
    }
    return pack(s0, s1);
  }
}
