package io.walflow.ingest.wal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Reads complete transactions from a WAL file, from a known position onwards.
 *
 * <p>A frame is valid when its salts equal the header's and the checksum chain, continued over its
 * first 8 header bytes and its page, equals the checksum it stores; the first invalid frame ends
 * the log (SQLite's rule). Frames after the last valid commit frame belong to a transaction that
 * has not committed (or a torn write) and are not returned: the next scan starts again at the last
 * commit, because SQLite may still rewrite those frames in place.
 *
 * <p>Scanning is done in two passes over each transaction: the first validates the chain without
 * copying pages, the second copies the last image of each page once a commit frame has been found.
 *
 * <p>With {@code synchronous=FULL} on storage without powersafe overwrite, SQLite pads a commit to
 * a sector boundary by writing its commit frame again (src/wal.c, walWriteOneFrame in
 * sqlite3WalFrames). Such copies are valid commit frames; a commit frame identical (page number,
 * database size, page bytes) to the commit frame just before it is therefore padding, not a new
 * transaction. (A real transaction that rewrites exactly the previous commit's page with the same
 * bytes and size changes nothing, so merging it loses no data.)
 */
public final class WalScanner {
  /** Bytes read from the file per system call while validating. */
  private static final int READ_CHUNK = 1 << 20;

  private final FileChannel channel;
  private final WalHeader header;
  private final String where;
  private final int frameSize;
  private final ByteBuffer chunk;
  /** The last commit frame returned (page number, db size, page), to recognise sector padding. */
  private int lastCommitPgno;
  private int lastCommitDbSize;
  private byte[] lastCommitPage;

  /**
   * @param channel the open WAL file
   * @param header the header of the current generation, read from the same file
   * @param where the database name or path, for messages
   */
  public WalScanner(FileChannel channel, WalHeader header, String where) {
    this.channel = channel;
    this.header = header;
    this.where = where;
    this.frameSize = header.frameSize();
    int frames = Math.max(1, READ_CHUNK / frameSize);
    this.chunk = ByteBuffer.allocate(frames * frameSize).order(ByteOrder.BIG_ENDIAN);
  }

  /** Reads the header at the start of {@code channel}; empty when the file is shorter than 32 bytes. */
  public static java.util.Optional<WalHeader> readHeader(FileChannel channel, String where)
      throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(WalHeader.SIZE);
    readFully(channel, buf, 0);
    if (buf.position() < WalHeader.SIZE) {
      return java.util.Optional.empty();
    }
    buf.flip();
    return java.util.Optional.of(WalHeader.parse(buf, where));
  }

  /**
   * Returns the transactions committed after {@code from}, at most {@code maxCommits}, in order.
   *
   * @param from a position in this scanner's generation
   * @param maxCommits stop after this many commits (the rest is read by the next call)
   */
  public List<WalCommit> scan(WalPosition from, int maxCommits) throws IOException {
    if (!from.inGeneration(header)) {
      throw new IllegalArgumentException(where + ": position " + from + " is not in the WAL generation " + header);
    }
    if (lastCommitPage == null && from.offset() > WalHeader.SIZE) {
      rememberCommitFrameBefore(from.offset());
    }
    List<WalCommit> commits = new ArrayList<>();
    WalPosition txnStart = from;
    while (commits.size() < maxCommits) {
      Validated v = validateNextCommit(txnStart);
      if (v == null) {
        break;
      }
      commits.add(readCommit(v));
      txnStart = v.end;
    }
    return commits;
  }

  /** Loads the commit frame that ends just before {@code offset} (where a scan resumes). */
  private void rememberCommitFrameBefore(long offset) throws IOException {
    ByteBuffer frame = ByteBuffer.allocate(frameSize);
    if (readFully(channel, frame, offset - frameSize) == frameSize) {
      lastCommitPgno = frame.getInt(WalFrame.PGNO_OFFSET);
      lastCommitDbSize = frame.getInt(WalFrame.DB_SIZE_OFFSET);
      lastCommitPage = Arrays.copyOfRange(frame.array(), WalFrame.HEADER_SIZE, frameSize);
    }
  }

  private boolean isPadding(ByteBuffer buf, int base) {
    if (lastCommitPage == null || buf.getInt(base + WalFrame.PGNO_OFFSET) != lastCommitPgno
        || buf.getInt(base + WalFrame.DB_SIZE_OFFSET) != lastCommitDbSize) {
      return false;
    }
    return Arrays.equals(buf.array(), base + WalFrame.HEADER_SIZE, base + frameSize, lastCommitPage, 0,
        lastCommitPage.length);
  }

  /**
   * Where the chain of valid frames from {@code start} (after any padding) reaches a commit frame.
   */
  private record Validated(WalPosition start, WalPosition end, int dbSize, int frames) {}

  private Validated validateNextCommit(WalPosition from) throws IOException {
    boolean bigEndian = header.bigEndianChecksum();
    long offset = from.offset();
    long checksum = from.checksum();
    WalPosition start = from;
    int frames = 0;
    while (true) {
      chunk.clear();
      int read = readFully(channel, chunk, offset);
      int whole = read / frameSize;
      if (whole == 0) {
        return null;
      }
      for (int i = 0; i < whole; i++) {
        int base = i * frameSize;
        if (chunk.getInt(base + WalFrame.SALT1_OFFSET) != header.salt1()
            || chunk.getInt(base + WalFrame.SALT2_OFFSET) != header.salt2()) {
          return null;
        }
        checksum = WalChecksum.update(checksum, chunk, base, WalFrame.CHECKSUMMED_HEADER_BYTES, bigEndian);
        checksum = WalChecksum.update(checksum, chunk, base + WalFrame.HEADER_SIZE, header.pageSize(), bigEndian);
        long stored = WalChecksum.pack(chunk.getInt(base + WalFrame.CHECKSUM1_OFFSET),
            chunk.getInt(base + WalFrame.CHECKSUM2_OFFSET));
        if (stored != checksum) {
          return null;
        }
        int dbSize = chunk.getInt(base + WalFrame.DB_SIZE_OFFSET);
        long next = offset + (long) (i + 1) * frameSize;
        if (frames == 0 && dbSize != 0 && isPadding(chunk, base)) {
          start = new WalPosition(header.salt1(), header.salt2(), header.checkpointSeq(), next, checksum);
          continue;
        }
        frames++;
        if (dbSize != 0) {
          return new Validated(start, new WalPosition(header.salt1(), header.salt2(),
              header.checkpointSeq(), next, checksum), dbSize, frames);
        }
      }
      offset += (long) whole * frameSize;
      if (whole * frameSize < chunk.capacity()) {
        return null;
      }
    }
  }

  private WalCommit readCommit(Validated v) throws IOException {
    SortedMap<Integer, byte[]> pages = new TreeMap<>();
    long offset = v.start.offset();
    int remaining = v.frames;
    while (remaining > 0) {
      chunk.clear();
      int want = Math.min(remaining, chunk.capacity() / frameSize) * frameSize;
      chunk.limit(want);
      int read = readFully(channel, chunk, offset);
      if (read < want) {
        throw new WalFormatException(where + ": WAL shrank to " + (offset + read)
            + " bytes while reading a validated transaction ending at " + v.end.offset());
      }
      int n = want / frameSize;
      for (int i = 0; i < n; i++) {
        int base = i * frameSize;
        int pgno = chunk.getInt(base + WalFrame.PGNO_OFFSET);
        if (pgno < 1) {
          throw new WalFormatException(where + ": WAL frame at offset " + (offset + base)
              + " names page " + Integer.toUnsignedString(pgno) + ", expected a page number >= 1");
        }
        // Pages above the new database size no longer exist: a commit that shrank the file
        // (VACUUM, incremental vacuum) may have written them earlier in the same transaction.
        if (pgno <= v.dbSize) {
          pages.put(pgno, Arrays.copyOfRange(chunk.array(), base + WalFrame.HEADER_SIZE, base + frameSize));
        }
        if (remaining == n && i == n - 1) {
          lastCommitPgno = pgno;
          lastCommitDbSize = v.dbSize;
          lastCommitPage = Arrays.copyOfRange(chunk.array(), base + WalFrame.HEADER_SIZE, base + frameSize);
        }
      }
      offset += want;
      remaining -= n;
    }
    return new WalCommit(pages, v.dbSize, v.frames, v.end);
  }

  /** Reads until {@code buf} is full or end of file; returns bytes read. */
  static int readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
    int total = 0;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, position + total);
      if (n < 0) {
        break;
      }
      total += n;
    }
    return total;
  }
}
