package io.walflow.ingest.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Test helper: reads and writes WAL files byte by byte, with its own checksum written from SQLite's
 * formula (src/wal.c, walChecksumBytes), independent of the code under test. Writing the frames of
 * a real WAL back with the same magic reproduces SQLite's bytes exactly (checked in {@link
 * WalChecksumTest}), which is what makes the big-endian re-encoding trustworthy.
 */
final class WalBytes {
  private WalBytes() {}

  static final int HEADER = 32;
  static final int FRAME_HEADER = 24;

  /** One frame as stored: page number, db size after commit (0 unless a commit frame), page. */
  record Frame(int pgno, int dbSize, byte[] page) {
    boolean isCommit() {
      return dbSize != 0;
    }

    Frame withPage(byte[] p) {
      return new Frame(pgno, dbSize, p);
    }

    Frame withDbSize(int n) {
      return new Frame(pgno, n, page);
    }
  }

  /** A WAL's header fields and every whole frame in the file (valid or not). */
  record Wal(int magic, int pageSize, int checkpointSeq, int salt1, int salt2, List<Frame> frames) {
    int frameSize() {
      return FRAME_HEADER + pageSize;
    }

    Wal withMagic(int m) {
      return new Wal(m, pageSize, checkpointSeq, salt1, salt2, frames);
    }

    Wal withFrames(List<Frame> f) {
      return new Wal(magic, pageSize, checkpointSeq, salt1, salt2, f);
    }

    /** Frame indexes (0-based) of the commit frames. */
    List<Integer> commitFrames() {
      List<Integer> out = new ArrayList<>();
      for (int i = 0; i < frames.size(); i++) {
        if (frames.get(i).isCommit()) {
          out.add(i);
        }
      }
      return out;
    }

    /** Byte offset of frame {@code i} in the file. */
    long offsetOf(int i) {
      return HEADER + (long) i * frameSize();
    }

    byte[] encode() {
      return write(this);
    }
  }

  /** Parses the header fields and all whole frames, without checking anything. */
  static Wal parse(byte[] wal) {
    ByteBuffer b = ByteBuffer.wrap(wal).order(ByteOrder.BIG_ENDIAN);
    int pageSize = b.getInt(8);
    int frameSize = FRAME_HEADER + pageSize;
    List<Frame> frames = new ArrayList<>();
    for (int off = HEADER; off + frameSize <= wal.length; off += frameSize) {
      frames.add(new Frame(b.getInt(off), b.getInt(off + 4),
          Arrays.copyOfRange(wal, off + FRAME_HEADER, off + frameSize)));
    }
    return new Wal(b.getInt(0), pageSize, b.getInt(12), b.getInt(16), b.getInt(20), frames);
  }

  /**
   * Writes a WAL whose header and every frame carry the right salts and checksum chain, in the
   * byte order the magic's low bit selects (…83 big-endian words, …82 little-endian words).
   */
  static byte[] write(Wal w) {
    boolean bigEndian = (w.magic() & 1) == 1;
    ByteBuffer b = ByteBuffer.allocate(HEADER + w.frames().size() * w.frameSize()).order(ByteOrder.BIG_ENDIAN);
    b.putInt(w.magic()).putInt(3007000).putInt(w.pageSize()).putInt(w.checkpointSeq())
        .putInt(w.salt1()).putInt(w.salt2());
    int[] s = checksum(bigEndian, b.array(), 0, 24, new int[] {0, 0});
    b.putInt(s[0]).putInt(s[1]);
    for (Frame f : w.frames()) {
      if (f.page().length != w.pageSize()) {
        throw new IllegalArgumentException("page of " + f.page().length + " bytes in a WAL of " + w.pageSize());
      }
      int start = b.position();
      b.putInt(f.pgno()).putInt(f.dbSize()).putInt(w.salt1()).putInt(w.salt2());
      s = checksum(bigEndian, b.array(), start, 8, s);
      s = checksum(bigEndian, f.page(), 0, f.page().length, s);
      b.putInt(s[0]).putInt(s[1]).put(f.page());
    }
    return b.array();
  }

  /**
   * SQLite's checksum, spelled out: words are 32-bit, read big- or little-endian byte by byte;
   * {@code s1 += x[i] + s2; s2 += x[i+1] + s1} with unsigned 32-bit wrap-around.
   */
  static int[] checksum(boolean bigEndian, byte[] a, int off, int len, int[] seed) {
    if (len % 8 != 0) {
      throw new IllegalArgumentException("length " + len);
    }
    long s1 = seed[0] & 0xffffffffL;
    long s2 = seed[1] & 0xffffffffL;
    for (int i = off; i < off + len; i += 8) {
      s1 = (s1 + word(a, i, bigEndian) + s2) & 0xffffffffL;
      s2 = (s2 + word(a, i + 4, bigEndian) + s1) & 0xffffffffL;
    }
    return new int[] {(int) s1, (int) s2};
  }

  private static long word(byte[] a, int i, boolean bigEndian) {
    long b0 = a[i] & 0xff;
    long b1 = a[i + 1] & 0xff;
    long b2 = a[i + 2] & 0xff;
    long b3 = a[i + 3] & 0xff;
    return bigEndian ? (b0 << 24) | (b1 << 16) | (b2 << 8) | b3 : (b3 << 24) | (b2 << 16) | (b1 << 8) | b0;
  }
}
