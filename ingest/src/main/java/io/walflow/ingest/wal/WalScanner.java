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
 * <p>Frames are read through a buffer of up to 1 MiB that is reused across scans; a frame that fails
 * validation in the buffer is read again from the file before the log is declared to end there,
 * since the buffer may hold a frame that was still being written. Pages are copied from the very
 * bytes whose checksum was verified.
 *
 * <p>With {@code synchronous=FULL} on storage without powersafe overwrite, SQLite pads a commit to
 * a sector boundary by writing its commit frame again (src/wal.c, walWriteOneFrame in
 * sqlite3WalFrames). Such copies are valid commit frames; a commit frame identical (page number,
 * database size, page bytes) to the commit frame just before it is therefore padding, not a new
 * transaction. (A real transaction that rewrites exactly the previous commit's page with the same
 * bytes and size changes nothing, so merging it loses no data.)
 */
public final class WalScanner {
  /** Most bytes read from the file per system call while validating. */
  private static final int READ_CHUNK = 1 << 20;
  /**
   * Frames read by a scan's first read; each further read of the same scan reads twice as many,
   * up to {@link #READ_CHUNK}. A scan usually finds one small transaction, and the bytes after it
   * may be a previous generation's frames (SQLite's RESTART keeps the file's size): reading a whole
   * chunk there cost 1 MiB of copying per poll.
   */
  private static final int FIRST_READ_FRAMES = 4;

  private final FileChannel channel;
  private final WalHeader header;
  private final String where;
  private final int frameSize;
  private final ByteBuffer chunk;
  /** File offset of {@link #chunk}'s first byte, and how many bytes it holds. */
  private long chunkStart = -1;
  private int chunkLength;
  /** Reads made by the current scan (sets the size of the next one). */
  private int reads;
  /** A frame's header, read by {@link #frameFollows}. */
  private final ByteBuffer frameHeader = ByteBuffer.allocate(WalFrame.HEADER_SIZE).order(ByteOrder.BIG_ENDIAN);
  /** The last commit frame returned (page number, db size, page), to recognise sector padding. */
  private int lastCommitPgno;
  private int lastCommitDbSize;
  private byte[] lastCommitPage;
  /** Where the last scan's valid frames end: after its last commit, or after padding that followed. */
  private WalPosition scannedTo;

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
    boolean bigEndian = header.bigEndianChecksum();
    List<WalCommit> commits = new ArrayList<>();
    long offset = from.offset();
    long checksum = from.checksum();
    SortedMap<Integer, byte[]> pages = new TreeMap<>();
    int frames = 0;
    reads = 0;
    scannedTo = from;
    while (commits.size() < maxCommits) {
      int base = frameAt(offset, false);
      if (base < 0 || !validAt(base, checksum, bigEndian)) {
        // What we buffered may be older than the file (a frame being written when we read it):
        // read this frame again before concluding that the log ends here.
        base = frameAt(offset, true);
        if (base < 0 || !validAt(base, checksum, bigEndian)) {
          break;
        }
      }
      checksum = chained(base, checksum, bigEndian);
      int pgno = chunk.getInt(base + WalFrame.PGNO_OFFSET);
      int dbSize = chunk.getInt(base + WalFrame.DB_SIZE_OFFSET);
      offset += frameSize;
      if (frames == 0 && dbSize != 0 && isPadding(chunk, base)) {
        // sector padding of the previous commit (see the class comment)
        scannedTo = new WalPosition(header.salt1(), header.salt2(), header.checkpointSeq(), offset, checksum);
        continue;
      }
      if (pgno < 1) {
        throw new WalFormatException(where + ": WAL frame at offset " + (offset - frameSize) + " names page "
            + Integer.toUnsignedString(pgno) + ", expected a page number >= 1");
      }
      frames++;
      byte[] page = Arrays.copyOfRange(chunk.array(), base + WalFrame.HEADER_SIZE, base + frameSize);
      pages.put(pgno, page);
      if (dbSize != 0) {
        // Pages above the new database size no longer exist: a commit that shrank the file
        // (VACUUM, incremental vacuum) may have written them earlier in the same transaction.
        pages.keySet().removeIf(p -> p > dbSize);
        scannedTo = new WalPosition(header.salt1(), header.salt2(), header.checkpointSeq(), offset, checksum);
        commits.add(new WalCommit(pages, dbSize, frames, scannedTo));
        lastCommitPgno = pgno;
        lastCommitDbSize = dbSize;
        lastCommitPage = page;
        pages = new TreeMap<>();
        frames = 0;
      }
    }
    if (frames > 0) {
      // Stopped inside a transaction that has not committed: SQLite may still rewrite its frames in
      // place, so the next scan must read them from the file again, not from the buffer.
      chunkStart = -1;
    }
    return commits;
  }

  /**
   * The position just after the last valid frame the last {@link #scan} accepted: the end of its
   * last commit, or further when commit frames identical to that commit (padding, or transactions
   * that rewrote it unchanged) follow it. A reader resuming there reads nothing twice; one resuming
   * at the last commit's end would read those frames again, and skip them again, forever.
   */
  public WalPosition scannedTo() {
    if (scannedTo == null) {
      throw new IllegalStateException(where + ": nothing scanned yet");
    }
    return scannedTo;
  }

  /**
   * Index in {@link #chunk} of the whole frame at file {@code offset}, reading from the file when
   * it is not buffered (or when {@code fresh}); -1 when the file ends before the frame does.
   */
  private int frameAt(long offset, boolean fresh) throws IOException {
    if (!fresh && offset >= chunkStart && offset + frameSize <= chunkStart + chunkLength) {
      return (int) (offset - chunkStart);
    }
    // A fresh read re-checks one frame; otherwise 4, 8, 16, … frames, up to the whole buffer.
    long frames = fresh ? 1 : (long) FIRST_READ_FRAMES << Math.min(reads++, 20);
    chunk.clear();
    chunk.limit((int) Math.min(chunk.capacity(), frames * frameSize));
    chunkStart = offset;
    chunkLength = readFully(channel, chunk, offset);
    return chunkLength >= frameSize ? 0 : -1;
  }

  /**
   * Whether a frame of this generation may start at {@code at}: the file holds a frame header
   * there with this generation's salts. False means nothing was appended after {@code at}: the
   * file ends there, or what follows is left from an earlier generation (a restarted WAL keeps its
   * size and is overwritten from the start). One read of 24 bytes, for a poll that finds nothing.
   */
  public boolean frameFollows(WalPosition at) throws IOException {
    frameHeader.clear();
    if (readFully(channel, frameHeader, at.offset()) < WalFrame.HEADER_SIZE) {
      return false;
    }
    return frameHeader.getInt(WalFrame.SALT1_OFFSET) == header.salt1()
        && frameHeader.getInt(WalFrame.SALT2_OFFSET) == header.salt2();
  }

  private boolean validAt(int base, long checksum, boolean bigEndian) {
    if (chunk.getInt(base + WalFrame.SALT1_OFFSET) != header.salt1()
        || chunk.getInt(base + WalFrame.SALT2_OFFSET) != header.salt2()) {
      return false;
    }
    long stored = WalChecksum.pack(chunk.getInt(base + WalFrame.CHECKSUM1_OFFSET),
        chunk.getInt(base + WalFrame.CHECKSUM2_OFFSET));
    return stored == chained(base, checksum, bigEndian);
  }

  private long chained(int base, long checksum, boolean bigEndian) {
    long c = WalChecksum.update(checksum, chunk, base, WalFrame.CHECKSUMMED_HEADER_BYTES, bigEndian);
    return WalChecksum.update(c, chunk, base + WalFrame.HEADER_SIZE, header.pageSize(), bigEndian);
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
