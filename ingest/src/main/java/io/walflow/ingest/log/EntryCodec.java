package io.walflow.ingest.log;

import io.walflow.ingest.CorruptEntryException;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.LogEntry.Page;
import io.walflow.ingest.wal.WalPosition;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * The binary format of one log entry, version 1. All integers big-endian. Documented for readers
 * outside the JVM in {@code docs/log-format.md}; the offsets below are that document's.
 *
 * <pre>
 * offset size field
 *   0     4   magic 0x57464C31 ("WFL1")
 *   4     1   format version (1)
 *   5     1   type: 1 snapshot, 2 commit, 3 digest (no pages; the changes field holds the digest body)
 *   6     2   flags, 0 (readers reject unknown bits)
 *   8     4   entry length L, from offset 0 through the CRC
 *  12     8   LSN
 *  20     8   committed-at, microseconds since the Unix epoch
 *  28     4   page size
 *  32     4   database size in pages after this entry
 *  36     4   WAL frames of the transaction (0 for a snapshot)
 *  40     2   part index
 *  42     2   part count (>= 1)
 *  44     4   WAL salt-1 \
 *  48     4   WAL salt-2  | the capture position after this entry
 *  52     4   WAL checkpoint sequence
 *  56     8   WAL offset of the next frame
 *  64     8   WAL running checksum (s0 in the high word)
 *  72     4   page record count P
 *  76     2   database name length N (1..255)
 *  78     N   database name, UTF-8
 *   …         P page records: u32 page number, u8 encoding (0 raw, 1 LZ4 block), u32 stored
 *             length S, S bytes (an LZ4 block decompresses to exactly the page size)
 *   …     4   changes length C, then C bytes (docs/change-events.md; C = 0 when not decoded)
 *  L-4    4   CRC-32C of bytes 0 .. L-5
 * </pre>
 */
public final class EntryCodec {
  public static final int MAGIC = 0x57464C31;
  public static final byte VERSION = 1;
  public static final byte TYPE_SNAPSHOT = 1;
  public static final byte TYPE_COMMIT = 2;
  public static final byte TYPE_DIGEST = 3;

  static final int MAGIC_OFFSET = 0;
  static final int VERSION_OFFSET = MAGIC_OFFSET + 4;
  static final int TYPE_OFFSET = VERSION_OFFSET + 1;
  static final int FLAGS_OFFSET = TYPE_OFFSET + 1;
  static final int LENGTH_OFFSET = FLAGS_OFFSET + 2;
  static final int LSN_OFFSET = LENGTH_OFFSET + 4;
  static final int COMMITTED_AT_OFFSET = LSN_OFFSET + 8;
  static final int PAGE_SIZE_OFFSET = COMMITTED_AT_OFFSET + 8;
  static final int DB_PAGES_OFFSET = PAGE_SIZE_OFFSET + 4;
  static final int FRAMES_OFFSET = DB_PAGES_OFFSET + 4;
  static final int PART_INDEX_OFFSET = FRAMES_OFFSET + 4;
  static final int PART_COUNT_OFFSET = PART_INDEX_OFFSET + 2;
  static final int SALT1_OFFSET = PART_COUNT_OFFSET + 2;
  static final int SALT2_OFFSET = SALT1_OFFSET + 4;
  static final int CKPT_SEQ_OFFSET = SALT2_OFFSET + 4;
  static final int WAL_OFFSET_OFFSET = CKPT_SEQ_OFFSET + 4;
  static final int WAL_CHECKSUM_OFFSET = WAL_OFFSET_OFFSET + 8;
  static final int PAGE_COUNT_OFFSET = WAL_CHECKSUM_OFFSET + 8;
  static final int NAME_LENGTH_OFFSET = PAGE_COUNT_OFFSET + 4;
  static final int NAME_OFFSET = NAME_LENGTH_OFFSET + 2;
  static final int PAGE_RECORD_HEADER = 4 + 1 + 4;
  static final int CRC_SIZE = 4;

  static final byte ENCODING_RAW = 0;
  static final byte ENCODING_LZ4 = 1;

  private static final LZ4Compressor COMPRESSOR = LZ4Factory.fastestInstance().fastCompressor();
  private static final LZ4SafeDecompressor DECOMPRESSOR = LZ4Factory.fastestInstance().safeDecompressor();

  /** Entries up to this bound are built in {@link #work}, kept between calls; larger ones in their own buffer. */
  private static final int KEPT_WORK_BYTES = 1 << 20;

  private final boolean compress;
  private final CRC32C crc = new CRC32C();
  /** Where entries are built before being copied out at their exact length (one per codec: not thread-safe). */
  private ByteBuffer work = ByteBuffer.allocate(0);

  /**
   * One codec per thread: it reuses its working buffer between calls.
   *
   * @param compress store pages LZ4-compressed when that makes them smaller
   */
  public EntryCodec(boolean compress) {
    this.compress = compress;
  }

  /** Encodes {@code entry} into a new array. */
  public byte[] encode(LogEntry entry) {
    byte[] name = entry.db().getBytes(StandardCharsets.UTF_8);
    if (name.length < 1 || name.length > 255) {
      throw new IllegalArgumentException("database name must be 1..255 UTF-8 bytes: " + entry.db());
    }
    int pageSize = entry.pageSize();
    // Refuse what the format cannot hold rather than write an entry that every reader rejects, or
    // worse, truncate a part number into a different valid one.
    if (pageSize < 512 || pageSize > 65536 || Integer.bitCount(pageSize) != 1) {
      throw new IllegalArgumentException("page size " + pageSize + " is not a power of two in 512..65536");
    }
    if (entry.partCount() < 1 || entry.partCount() > 0xffff || entry.partIndex() < 0
        || entry.partIndex() >= entry.partCount()) {
      throw new IllegalArgumentException("part " + entry.partIndex() + " of " + entry.partCount()
          + ": parts are numbered 0..count-1 with 1 <= count <= 65535");
    }
    byte type = entry instanceof LogEntry.Snapshot ? TYPE_SNAPSHOT : entry instanceof LogEntry.Digest ? TYPE_DIGEST : TYPE_COMMIT;
    byte[] changesField = entry instanceof LogEntry.Digest d ? d.body() : entry.changes();
    int maxPage = compress ? COMPRESSOR.maxCompressedLength(pageSize) : pageSize;
    long bound = NAME_OFFSET + name.length
        + (long) entry.pages().size() * (PAGE_RECORD_HEADER + maxPage)
        + 4 + changesField.length + CRC_SIZE;
    if (bound > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("entry too large to encode in one part: " + bound + " bytes");
    }
    ByteBuffer b = workBuffer((int) bound);
    b.putInt(MAGIC).put(VERSION).put(type)
        .putShort((short) 0).putInt(0 /* length, patched below */);
    b.putLong(entry.lsn());
    Instant at = entry.committedAt();
    b.putLong(Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000L), at.getNano() / 1000));
    b.putInt(pageSize).putInt(entry.dbPageCount());
    b.putInt(entry instanceof LogEntry.Commit c ? c.frameCount() : 0);
    b.putShort((short) entry.partIndex()).putShort((short) entry.partCount());
    WalPosition w = entry.walPosition();
    b.putInt(w.salt1()).putInt(w.salt2()).putInt(w.checkpointSeq()).putLong(w.offset()).putLong(w.checksum());
    b.putInt(entry.pages().size()).putShort((short) name.length).put(name);
    for (Page p : entry.pages()) {
      if (p.data().length != pageSize) {
        throw new IllegalArgumentException("page " + p.pgno() + " has " + p.data().length + " bytes, expected " + pageSize);
      }
      b.putInt(p.pgno());
      // Compressed straight into the record's place (the bound leaves maxPage bytes for it); a page
      // that does not shrink is then written raw over the attempt.
      int data = b.position() + 1 + 4;
      int clen = compress ? COMPRESSOR.compress(p.data(), 0, pageSize, b.array(), data, maxPage) : pageSize;
      if (compress && clen < pageSize) {
        b.put(ENCODING_LZ4).putInt(clen).position(data + clen);
      } else {
        b.put(ENCODING_RAW).putInt(pageSize).put(p.data());
      }
    }
    b.putInt(changesField.length).put(changesField);
    int length = b.position() + CRC_SIZE;
    b.putInt(LENGTH_OFFSET, length);
    crc.reset();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return Arrays.copyOf(b.array(), length);
  }

  /** An empty big-endian buffer of at least {@code bound} bytes, backed by an array from offset 0. */
  private ByteBuffer workBuffer(int bound) {
    if (bound > KEPT_WORK_BYTES) {
      return ByteBuffer.allocate(bound);
    }
    if (work.capacity() < bound) {
      work = ByteBuffer.allocate(Math.min(KEPT_WORK_BYTES, Math.max(bound, 2 * work.capacity())));
    }
    return work.clear();
  }

  /**
   * Length of the entry starting at {@code offset} of {@code doc}, after checking its magic and
   * bounds (not its checksum).
   */
  public static int entryLength(ByteBuffer doc, int offset, String where) {
    int available = doc.limit() - offset;
    if (available < NAME_OFFSET + CRC_SIZE) {
      throw new CorruptEntryException(where, "only " + available + " bytes left, an entry needs at least "
          + (NAME_OFFSET + CRC_SIZE));
    }
    int magic = doc.getInt(offset + MAGIC_OFFSET);
    if (magic != MAGIC) {
      throw new CorruptEntryException(where, String.format("magic 0x%08x, expected 0x%08x", magic, MAGIC));
    }
    int length = doc.getInt(offset + LENGTH_OFFSET);
    if (length < NAME_OFFSET + CRC_SIZE || length > available) {
      throw new CorruptEntryException(where, "entry length " + length + " outside " + (NAME_OFFSET + CRC_SIZE)
          + ".." + available);
    }
    return length;
  }

  /**
   * Decodes the entry at {@code offset} of {@code doc} (big-endian buffer), verifying its CRC and
   * every length before use.
   *
   * @param where the log position, for messages
   * @throws CorruptEntryException when any check fails
   */
  public static LogEntry decode(ByteBuffer doc, int offset, String where) {
    int length = entryLength(doc, offset, where);
    ByteBuffer e = checkedSlice(doc, offset, length, where);
    byte version = e.get(VERSION_OFFSET);
    if (version != VERSION) {
      throw new CorruptEntryException(where, "format version " + version + ", this reader knows " + VERSION);
    }
    byte type = e.get(TYPE_OFFSET);
    if (type != TYPE_SNAPSHOT && type != TYPE_COMMIT && type != TYPE_DIGEST) {
      throw new CorruptEntryException(where, "entry type " + type + ", expected 1 (snapshot), 2 (commit) or 3 (digest)");
    }
    short flags = e.getShort(FLAGS_OFFSET);
    if (flags != 0) {
      throw new CorruptEntryException(where, "unknown flags 0x" + Integer.toHexString(flags & 0xffff));
    }
    long lsn = e.getLong(LSN_OFFSET);
    long micros = e.getLong(COMMITTED_AT_OFFSET);
    int pageSize = e.getInt(PAGE_SIZE_OFFSET);
    if (pageSize < 512 || pageSize > 65536 || Integer.bitCount(pageSize) != 1) {
      throw new CorruptEntryException(where, "page size " + pageSize + " is not a power of two in 512..65536");
    }
    int dbPages = e.getInt(DB_PAGES_OFFSET);
    int frames = e.getInt(FRAMES_OFFSET);
    int partIndex = e.getShort(PART_INDEX_OFFSET) & 0xffff;
    int partCount = e.getShort(PART_COUNT_OFFSET) & 0xffff;
    if (partCount < 1 || partIndex >= partCount) {
      throw new CorruptEntryException(where, "part " + partIndex + " of " + partCount);
    }
    WalPosition wal = new WalPosition(e.getInt(SALT1_OFFSET), e.getInt(SALT2_OFFSET), e.getInt(CKPT_SEQ_OFFSET),
        e.getLong(WAL_OFFSET_OFFSET), e.getLong(WAL_CHECKSUM_OFFSET));
    int pageCount = e.getInt(PAGE_COUNT_OFFSET);
    int nameLength = e.getShort(NAME_LENGTH_OFFSET) & 0xffff;
    int pos = NAME_OFFSET;
    int end = length - CRC_SIZE;
    if (nameLength < 1 || nameLength > 255 || pos + nameLength > end) {
      throw new CorruptEntryException(where, "database name length " + nameLength + " at offset " + NAME_LENGTH_OFFSET);
    }
    String db = new String(e.array(), e.arrayOffset() + pos, nameLength, StandardCharsets.UTF_8);
    pos += nameLength;
    if (pageCount < 0 || (long) pageCount * PAGE_RECORD_HEADER > end - pos) {
      throw new CorruptEntryException(where, "page record count " + pageCount + " does not fit in " + (end - pos) + " bytes");
    }
    List<Page> pages = new ArrayList<>(pageCount);
    for (int i = 0; i < pageCount; i++) {
      if (pos + PAGE_RECORD_HEADER > end) {
        throw new CorruptEntryException(where, "page record " + i + " header at offset " + pos + " passes the end " + end);
      }
      int pgno = e.getInt(pos);
      byte encoding = e.get(pos + 4);
      int stored = e.getInt(pos + 5);
      pos += PAGE_RECORD_HEADER;
      if (stored < 0 || stored > end - pos) {
        throw new CorruptEntryException(where, "page " + pgno + " stored length " + stored + " at offset " + (pos - 4)
            + " passes the end " + end);
      }
      byte[] data = new byte[pageSize];
      if (encoding == ENCODING_RAW) {
        if (stored != pageSize) {
          throw new CorruptEntryException(where, "raw page " + pgno + " has " + stored + " bytes, expected " + pageSize);
        }
        System.arraycopy(e.array(), e.arrayOffset() + pos, data, 0, pageSize);
      } else if (encoding == ENCODING_LZ4) {
        int n;
        try {
          n = DECOMPRESSOR.decompress(e.array(), e.arrayOffset() + pos, stored, data, 0, pageSize);
        } catch (LZ4Exception ex) {
          throw new CorruptEntryException(where, "page " + pgno + " at offset " + pos + ": LZ4 block invalid: " + ex.getMessage());
        }
        if (n != pageSize) {
          throw new CorruptEntryException(where, "page " + pgno + " decompressed to " + n + " bytes, expected " + pageSize);
        }
      } else {
        throw new CorruptEntryException(where, "page " + pgno + " encoding " + encoding + " at offset " + (pos - 5)
            + ", expected 0 (raw) or 1 (LZ4)");
      }
      pos += stored;
      pages.add(new Page(pgno, data));
    }
    if (pos + 4 > end) {
      throw new CorruptEntryException(where, "changes length at offset " + pos + " passes the end " + end);
    }
    int changesLength = e.getInt(pos);
    pos += 4;
    if (changesLength < 0 || changesLength != end - pos) {
      throw new CorruptEntryException(where, "changes length " + changesLength + " at offset " + (pos - 4)
          + ", expected " + (end - pos));
    }
    byte[] changes = new byte[changesLength];
    System.arraycopy(e.array(), e.arrayOffset() + pos, changes, 0, changesLength);
    Instant at = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
    if (type == TYPE_DIGEST) {
      if (pageCount != 0 || partIndex != 0 || partCount != 1) {
        throw new CorruptEntryException(where, "digest entry with " + pageCount + " pages, part " + partIndex + " of "
            + partCount + "; a digest has no pages and one part");
      }
      return new LogEntry.Digest(db, lsn, at, pageSize, dbPages, wal, changes);
    }
    if (type == TYPE_SNAPSHOT) {
      return new LogEntry.Snapshot(db, lsn, at, pageSize, dbPages, wal, pages, changes, partIndex, partCount);
    }
    return new LogEntry.Commit(db, lsn, at, pageSize, dbPages, frames, wal, pages, changes, partIndex, partCount);
  }

  /** The entry at {@code offset} as a big-endian slice of {@code length} bytes, after its CRC check. */
  private static ByteBuffer checkedSlice(ByteBuffer doc, int offset, int length, String where) {
    ByteBuffer b = doc.duplicate().order(ByteOrder.BIG_ENDIAN);
    b.position(offset).limit(offset + length);
    ByteBuffer e = b.slice().order(ByteOrder.BIG_ENDIAN);
    int storedCrc = e.getInt(length - CRC_SIZE);
    CRC32C crc = new CRC32C();
    ByteBuffer body = e.duplicate();
    body.position(0).limit(length - CRC_SIZE);
    crc.update(body);
    if ((int) crc.getValue() != storedCrc) {
      throw new CorruptEntryException(where, String.format("CRC-32C stored %08x, computed %08x over %d bytes",
          storedCrc, (int) crc.getValue(), length - CRC_SIZE));
    }
    return e;
  }

  /**
   * The identifying fields of an entry, read without decoding its pages.
   *
   * @param snapshot type 1
   * @param length the entry's length {@code L} in bytes
   * @param digest type 3 (neither: a commit)
   */
  public record Header(boolean snapshot, String db, long lsn, int partIndex, int partCount, int length, boolean digest) {

    /** Whether this is the last part of its entry (the entry is complete with it). */
    public boolean lastPart() {
      return partIndex == partCount - 1;
    }
  }

  /**
   * Reads the header of the entry at {@code offset} of {@code doc} after checking its bounds, CRC,
   * version, type, flags, parts and name: what a publisher needs to route the entry's bytes.
   *
   * @throws CorruptEntryException when any of those checks fails
   */
  public static Header header(ByteBuffer doc, int offset, String where) {
    int length = entryLength(doc, offset, where);
    ByteBuffer e = checkedSlice(doc, offset, length, where);
    byte version = e.get(VERSION_OFFSET);
    byte type = e.get(TYPE_OFFSET);
    short flags = e.getShort(FLAGS_OFFSET);
    if (version != VERSION || (type != TYPE_SNAPSHOT && type != TYPE_COMMIT && type != TYPE_DIGEST) || flags != 0) {
      throw new CorruptEntryException(where, "version " + version + ", type " + type + ", flags 0x"
          + Integer.toHexString(flags & 0xffff) + ": this reader knows version " + VERSION + ", types 1, 2 and 3, no flags");
    }
    int partIndex = e.getShort(PART_INDEX_OFFSET) & 0xffff;
    int partCount = e.getShort(PART_COUNT_OFFSET) & 0xffff;
    if (partCount < 1 || partIndex >= partCount) {
      throw new CorruptEntryException(where, "part " + partIndex + " of " + partCount);
    }
    int nameLength = e.getShort(NAME_LENGTH_OFFSET) & 0xffff;
    if (nameLength < 1 || nameLength > 255 || NAME_OFFSET + nameLength > length - CRC_SIZE) {
      throw new CorruptEntryException(where, "database name length " + nameLength + " at offset " + NAME_LENGTH_OFFSET);
    }
    byte[] name = new byte[nameLength];
    e.get(NAME_OFFSET, name);
    return new Header(type == TYPE_SNAPSHOT, new String(name, StandardCharsets.UTF_8), e.getLong(LSN_OFFSET),
        partIndex, partCount, length, type == TYPE_DIGEST);
  }
}
