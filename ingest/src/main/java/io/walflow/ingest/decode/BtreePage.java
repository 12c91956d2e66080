package io.walflow.ingest.decode;

import io.walflow.ingest.image.PageImage;

/**
 * One b-tree page: its header, its cell pointers and its cells, every offset checked.
 *
 * <pre>
 * b-tree page header (at offset 100 on page 1, else 0)
 *   0  1  page type: 0x02 index interior, 0x05 table interior, 0x0a index leaf, 0x0d table leaf
 *   1  2  first freeblock
 *   3  2  number of cells
 *   5  2  start of the cell content area (0 means 65536)
 *   7  1  fragmented free bytes
 *   8  4  right-most child page (interior pages only)
 * then the cell pointer array: one big-endian u16 offset per cell, in key order.
 *
 * cells
 *   table leaf      varint payload size P, varint rowid, local payload, [u32 first overflow]
 *   table interior  u32 left child, varint rowid
 *   index leaf      varint payload size P, local payload, [u32 first overflow]
 *   index interior  u32 left child, varint payload size P, local payload, [u32 first overflow]
 * </pre>
 *
 * <p>How much of a payload stays on the page (U = usable size, P = payload size): X = U−35 on
 * table leaves and ((U−12)·64/255)−23 on index pages, M = ((U−12)·32/255)−23; if P ≤ X all of it,
 * else K = M + ((P−M) mod (U−4)) if K ≤ X, else M. The rest goes to overflow pages, each holding a
 * 4-byte next-page number and U−4 bytes.
 */
final class BtreePage {
  static final int INDEX_INTERIOR = 0x02;
  static final int TABLE_INTERIOR = 0x05;
  static final int INDEX_LEAF = 0x0a;
  static final int TABLE_LEAF = 0x0d;

  static final int TYPE_OFFSET = 0;
  static final int CELL_COUNT_OFFSET = 3;
  static final int RIGHT_CHILD_OFFSET = 8;
  static final int LEAF_HEADER_SIZE = 8;
  static final int INTERIOR_HEADER_SIZE = 12;
  /** SQLite's own limit on one payload (SQLITE_MAX_LENGTH can be at most 2^31−1). */
  static final long MAX_PAYLOAD = Integer.MAX_VALUE;

  final PageBuf buf;
  final int type;
  final int cellCount;
  private final int cellPointers;
  private final int usable;

  private BtreePage(PageBuf buf, int type, int cellCount, int cellPointers, int usable) {
    this.buf = buf;
    this.type = type;
    this.cellCount = cellCount;
    this.cellPointers = cellPointers;
    this.usable = usable;
  }

  /**
   * Reads page {@code pgno} as a page of a table b-tree ({@code index == false}) or of an index
   * b-tree (WITHOUT ROWID tables are index b-trees).
   *
   * @param from the page that pointed here, for error messages
   * @throws CorruptPageException if the page is not a b-tree page of that kind or its header does
   *     not fit the page
   */
  static BtreePage read(PageImage image, int pgno, int usable, boolean index, int from) {
    PageBuf p = PageBuf.of(image, pgno, usable, from, index ? "index b-tree child" : "table b-tree child");
    return parse(p, usable, index);
  }

  static BtreePage parse(PageBuf p, int usable, boolean index) {
    int h = p.pgno == 1 ? DbHeader.HEADER_SIZE : 0;
    int type = p.u8(h + TYPE_OFFSET, "b-tree page type");
    boolean ok = index ? type == INDEX_LEAF || type == INDEX_INTERIOR
        : type == TABLE_LEAF || type == TABLE_INTERIOR;
    if (!ok) {
      throw new CorruptPageException(p.pgno, h,
          (index ? "an index b-tree page (0x02 or 0x0a)" : "a table b-tree page (0x05 or 0x0d)")
              + ", found type 0x" + Integer.toHexString(type));
    }
    int count = p.u16(h + CELL_COUNT_OFFSET, "cell count");
    int pointers = h + (type == TABLE_LEAF || type == INDEX_LEAF ? LEAF_HEADER_SIZE : INTERIOR_HEADER_SIZE);
    p.check(pointers, 2 * count, "cell pointer array");
    return new BtreePage(p, type, count, pointers, usable);
  }

  int pgno() {
    return buf.pgno;
  }

  boolean isLeaf() {
    return type == TABLE_LEAF || type == INDEX_LEAF;
  }

  /** Whether the cells carry payloads (rows): every page but a table interior page. */
  boolean hasPayloads() {
    return type != TABLE_INTERIOR;
  }

  /** Offset of cell {@code i}, checked to lie after the pointer array and inside the page. */
  int cellOffset(int i) {
    int at = cellPointers + 2 * i;
    int off = buf.u16(at, "cell pointer");
    if (off < cellPointers + 2 * cellCount || off >= usable) {
      throw new CorruptPageException(buf.pgno, at,
          "cell " + i + " offset between the pointer array end " + (cellPointers + 2 * cellCount)
              + " and " + usable + ", found " + off);
    }
    return off;
  }

  /** Number of child pointers of an interior page: one per cell plus the right-most child. */
  int childCount() {
    return isLeaf() ? 0 : cellCount + 1;
  }

  /** Child {@code i} of an interior page (the right-most child for {@code i == cellCount}). */
  int child(int i) {
    int h = buf.pgno == 1 ? DbHeader.HEADER_SIZE : 0;
    return i == cellCount
        ? buf.pageNumber(h + RIGHT_CHILD_OFFSET, "right-most child pointer")
        : buf.pageNumber(cellOffset(i), "left child pointer");
  }

  /** The payload-carrying part of cell {@code i} (not for table interior pages). */
  Cell cell(int i) {
    int off = cellOffset(i);
    int pos = off + (type == INDEX_INTERIOR ? 4 : 0);
    long size = buf.varint(pos, "payload size");
    pos += buf.varintLength;
    long rowid = 0;
    if (type == TABLE_LEAF) {
      rowid = buf.varint(pos, "rowid");
      pos += buf.varintLength;
    }
    if (size < 0 || size > MAX_PAYLOAD) {
      throw new CorruptPageException(buf.pgno, off, "payload size 0.." + MAX_PAYLOAD + ", found " + size);
    }
    int local = localSize(size, type == TABLE_LEAF, usable);
    buf.check(pos, local, "local payload");
    int overflow = 0;
    if (local < size) {
      overflow = buf.pageNumber(pos + local, "first overflow page");
      if (overflow < 2) {
        throw new CorruptPageException(buf.pgno, pos + local, "an overflow page number >= 2, found " + overflow);
      }
    }
    return new Cell(buf.pgno, off, rowid, size, pos, local, overflow);
  }

  /** The number of payload bytes stored on the b-tree page itself. */
  static int localSize(long payload, boolean tableLeaf, int usable) {
    int maxLocal = tableLeaf ? usable - 35 : ((usable - 12) * 64 / 255) - 23;
    if (payload <= maxLocal) {
      return (int) payload;
    }
    int minLocal = ((usable - 12) * 32 / 255) - 23;
    long k = minLocal + ((payload - minLocal) % (usable - 4));
    return (int) (k <= maxLocal ? k : minLocal);
  }

  /**
   * One payload-carrying cell.
   *
   * @param pgno the page holding the cell
   * @param offset the cell's offset in that page
   * @param rowid the rowid (table leaf cells only, else 0)
   * @param payloadSize P, the whole payload's size
   * @param localOffset where the local part of the payload starts in the page
   * @param localSize how many payload bytes are on the page
   * @param firstOverflow the first overflow page, 0 when the payload is all local
   */
  record Cell(int pgno, int offset, long rowid, long payloadSize, int localOffset, int localSize,
      int firstOverflow) {}
}
