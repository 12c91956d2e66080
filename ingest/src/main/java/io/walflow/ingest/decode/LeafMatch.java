package io.walflow.ingest.decode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds, without decoding them, the cells of a table leaf page that a commit left alone, so that
 * only the others become candidate rows.
 *
 * <h2>Why</h2>
 * An update or delete of one row rewrites its whole leaf (~150 rows on 4 KiB pages). Decoding every
 * cell of both versions of the page to find that one row made update- and delete-heavy commits
 * cost ~20 µs per changed row. SQLite changes a leaf in place: the cells it did not touch stay at
 * the same offset with the same bytes; only the cell pointer array shifts. When a leaf splits, the
 * rows that move keep their bytes. So cells can be matched on raw bytes instead.
 *
 * <h2>Rule</h2>
 * Both sides' candidate leaves hold their cells in rowid order, so they are merged by rowid. A
 * before-cell and an after-cell with one rowid are the <em>same row, unchanged</em> — left out of
 * both sides — when their raw bytes are equal: payload size, local payload and first overflow
 * page, and either no overflow chain or one that cannot have changed (same page, and none of its
 * cells' overflow pages changed: {@link OwnerMap#chainDirty}). Such a pair is exactly what {@link
 * TableDiff} would find to be no change, so leaving it out changes nothing in the result.
 *
 * <p>Fast path, without parsing the cells: on the two versions of one page, cells at the same
 * offset are the same cell when the page bytes are identical from that offset up to the next cell
 * start above it on either version (or the end of the usable area), because a cell never extends
 * past the next cell's start. This is conservative: changed bytes between two cells (a freeblock)
 * only send a cell to the slow path.
 *
 * <h2>Cost</h2>
 * A vectorised comparison of the two pages, a sort of each cell pointer array, and for cells that
 * did not stay in place the parse of their header (size and rowid) and a byte comparison.
 */
final class LeafMatch {
  /** Runs of fewer equal bytes than this between differing bytes are merged into one range. */
  private static final int GAP = 16;

  private LeafMatch() {}

  /**
   * The cells to compare on each side, by page number; a page that is not listed keeps all its
   * cells.
   *
   * @param before cell indices of before-pages that must become candidate rows
   * @param after cell indices of after-pages that must become candidate rows
   */
  record Result(Map<Integer, BitSet> before, Map<Integer, BitSet> after) {
    BitSet before(int pgno) {
      return before.get(pgno);
    }

    BitSet after(int pgno) {
      return after.get(pgno);
    }
  }

  /** One page's cells, for the merge. */
  private static final class Leaf {
    final BtreePage page;
    final BitSet keep;
    final long firstRowid;
    /** Per cell index, where the cell ends at the latest (see {@link #nextStarts}); lazily. */
    int[] next;
    /** Before-leaves only: where the page's after-version differs from it; lazily. */
    int[][] diff;

    Leaf(BtreePage page) {
      this.page = page;
      this.keep = new BitSet(page.cellCount);
      keep.set(0, page.cellCount);
      this.firstRowid = page.cell(0).rowid();
    }
  }

  /**
   * Matches the cells of the candidate table leaves of one table b-tree before and after a commit
   * (both sides of one table, same page geometry). Both sides are merged in rowid order; a pair of
   * cells with one rowid and the same raw bytes is left out of both. Rows that moved to another
   * page (a split or merge) are matched too, unless they have an overflow chain (its first page's
   * parent changed: the ownership map must learn it, so they stay candidates).
   *
   * @param owners the before-image's map, with this commit's changes marked ({@link
   *     OwnerMap#chainDirty})
   * @throws CorruptPageException if a cell pointer or cell leaves its page
   */
  static Result match(List<BtreePage> before, List<BtreePage> after, OwnerMap owners) {
    List<Leaf> bl = leaves(before);
    List<Leaf> al = leaves(after);
    int pi = 0;
    int i = 0;
    int pj = 0;
    int j = 0;
    while (pi < bl.size() && pj < al.size()) {
      Leaf lb = bl.get(pi);
      Leaf la = al.get(pj);
      BtreePage bp = lb.page;
      BtreePage ap = la.page;
      boolean samePage = bp.pgno() == ap.pgno();
      boolean chainsSame = samePage && !owners.chainDirty(bp.pgno());
      boolean match;
      boolean advanceB = true;
      boolean advanceA = true;
      int offset = chainsSame ? bp.cellOffset(i) : -1;
      if (chainsSame && offset == ap.cellOffset(j) && !differs(lb, la, i, j, offset)) {
        match = true; // fast path, no parsing: same page, same offset, same bytes: the same cell
      } else {
        BtreePage.Cell b = bp.cell(i);
        BtreePage.Cell a = ap.cell(j);
        match = b.rowid() == a.rowid() && sameCell(bp, b, ap, a, chainsSame);
        advanceB = b.rowid() <= a.rowid();
        advanceA = a.rowid() <= b.rowid();
      }
      if (match) {
        lb.keep.clear(i);
        la.keep.clear(j);
      }
      if (advanceB && ++i == bp.cellCount) {
        i = 0;
        pi++;
      }
      if (advanceA && ++j == ap.cellCount) {
        j = 0;
        pj++;
      }
    }
    Map<Integer, BitSet> keepBefore = new HashMap<>();
    bl.forEach(l -> keepBefore.put(l.page.pgno(), l.keep));
    Map<Integer, BitSet> keepAfter = new HashMap<>();
    al.forEach(l -> keepAfter.put(l.page.pgno(), l.keep));
    return new Result(keepBefore, keepAfter);
  }

  /**
   * The non-empty table leaves among {@code pages}, in rowid order: the walks list pages mostly,
   * not always, in tree order, and the leaves of a tree hold disjoint ascending rowid ranges.
   */
  private static List<Leaf> leaves(List<BtreePage> pages) {
    List<Leaf> out = new ArrayList<>();
    for (BtreePage p : pages) {
      if (p.type == BtreePage.TABLE_LEAF && p.cellCount > 0) {
        out.add(new Leaf(p));
      }
    }
    out.sort(Comparator.comparingLong(l -> l.firstRowid));
    return out;
  }

  /**
   * Whether the two versions of one page differ anywhere from cell {@code i}'s offset (the same
   * as cell {@code j}'s) to the next cell start above it on either version. Null {@link
   * #nextStarts} (a corrupt page) counts as a difference.
   */
  private static boolean differs(Leaf lb, Leaf la, int i, int j, int from) {
    if (lb.next == null) {
      lb.next = nextStarts(lb.page, lb.page.buf.limit);
    }
    if (la.next == null) {
      la.next = nextStarts(la.page, la.page.buf.limit);
    }
    if (lb.next.length == 0 || la.next.length == 0) {
      return true;
    }
    if (lb.diff == null) { // the only after-leaf with lb's page number is la
      lb.diff = differingRanges(lb.page.buf, la.page.buf, Math.min(lb.page.buf.limit, la.page.buf.limit));
    }
    return differs(lb.diff, from, Math.max(lb.next[i], la.next[j]));
  }

  /**
   * Two cells with one rowid hold the same row: same payload size and local bytes, same first
   * overflow page, and (unless there is none) a chain none of whose pages changed ({@code
   * chainsSame}: both cells on one page, none of whose cells' overflow pages changed).
   */
  private static boolean sameCell(BtreePage bp, BtreePage.Cell b, BtreePage ap, BtreePage.Cell a,
      boolean chainsSame) {
    return b.payloadSize() == a.payloadSize() && b.localSize() == a.localSize()
        && b.firstOverflow() == a.firstOverflow() && (b.firstOverflow() == 0 || chainsSame)
        && bp.buf.sameBytes(b.localOffset(), ap.buf, a.localOffset(), b.localSize());
  }

  /**
   * For each cell (by index), the offset of the next cell above it on the page, or {@code limit}
   * for the last one: where the cell ends at the latest. Empty if two cells share an offset (a
   * corrupt page).
   */
  private static int[] nextStarts(BtreePage page, int limit) {
    long[] cells = new long[page.cellCount];
    for (int i = 0; i < cells.length; i++) {
      cells[i] = ((long) page.cellOffset(i) << 16) | i;
    }
    Arrays.sort(cells);
    int[] next = new int[cells.length];
    for (int k = 0; k < cells.length; k++) {
      if (k + 1 < cells.length && offset(cells[k + 1]) == offset(cells[k])) {
        return new int[0];
      }
      next[index(cells[k])] = k + 1 < cells.length ? offset(cells[k + 1]) : limit;
    }
    return next;
  }

  /** Whether one of the ascending, disjoint ranges {@code diff} overlaps [from, to). */
  private static boolean differs(int[][] diff, int from, int to) {
    int[] starts = diff[0];
    int[] ends = diff[1];
    int lo = 0;
    int hi = ends.length;
    while (lo < hi) { // first range ending after from
      int mid = (lo + hi) >>> 1;
      if (ends[mid] <= from) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo < starts.length && starts[lo] < to;
  }

  private static int offset(long cell) {
    return (int) (cell >>> 16);
  }

  private static int index(long cell) {
    return (int) (cell & 0xffff);
  }

  /**
   * The byte ranges [start, end) of {@code 0..limit-1} where the two pages differ, ascending; runs
   * of fewer than {@link #GAP} equal bytes inside a change are included in its range.
   */
  private static int[][] differingRanges(PageBuf x, PageBuf y, int limit) {
    int[] starts = new int[4];
    int[] ends = new int[4];
    int n = 0;
    int pos = 0;
    while (pos < limit) {
      int m = x.mismatch(pos, limit, y);
      if (m < 0) {
        break;
      }
      int end = m + 1;
      int same = 0;
      while (end < limit && same < GAP) {
        same = x.byteAt(end) == y.byteAt(end) ? same + 1 : 0;
        end++;
      }
      if (n == starts.length) {
        starts = Arrays.copyOf(starts, n * 2);
        ends = Arrays.copyOf(ends, n * 2);
      }
      starts[n] = m;
      ends[n] = end - same;
      n++;
      pos = end;
    }
    return new int[][] {Arrays.copyOf(starts, n), Arrays.copyOf(ends, n)};
  }
}
