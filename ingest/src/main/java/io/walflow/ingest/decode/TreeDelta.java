package io.walflow.ingest.decode;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * For one table b-tree whose root is the same before and after a commit, the pages whose rows must
 * be compared, found without walking the tree.
 *
 * <h2>Invariant</h2>
 * A row-holding page is <em>unchanged</em> when it belongs to the tree in both images, in the same
 * role, and neither its bytes nor its cells' overflow chains changed ({@link OwnerMap#selfDirty}).
 * Unchanged pages hold identical rows on both sides; every other row-holding page of the tree, on
 * either side, is a candidate. Comparing the candidate rows by key therefore finds every insert,
 * update and delete, and a row that merely moved (balancing) is found on both sides and dropped.
 *
 * <h2>Walks</h2>
 * <ul>
 *   <li><b>After-image</b>, from the root: a page that the tree owned before and that is not
 *       {@linkplain OwnerMap#dirty dirty} heads a subtree whose bytes did not change — it is
 *       recorded under its (possibly new) parent and not entered. Other pages are read and
 *       entered. So only changed pages and their ancestors are read.
 *   <li><b>Before-image</b>, from the root: a clean page that the after-walk reached is still in
 *       the tree with an identical subtree and is skipped; any other page (dirty, or clean but no
 *       longer reachable — freed without being rewritten, which SQLite does) is read and entered.
 *       That is how rows on pages that left the tree are found without a full walk.
 * </ul>
 * Both walks are bounded by a visited set, so a loop in the file is an error, not a hang.
 *
 * <h2>Cost</h2>
 * O(depth × fanout × changed pages) page reads, plus the cells of the candidate pages and the
 * overflow chains of candidate after-rows (for the ownership map). {@link LeafMatch} keeps the
 * rows a commit did not touch on a rewritten leaf out of the candidate rows, so they are never
 * decoded nor compared row by row. Nothing is proportional to the
 * size of the tree or of the database.
 *
 * <h2>Ownership</h2>
 * Every page the after-walk read, every clean page that moved under another parent and every
 * overflow page of a candidate row goes into {@code pending} (applied to the {@link OwnerMap} once
 * the whole commit succeeded); every page the before-walk read is a page to {@link #cleared()
 * clear} first, so that pages that left the tree (or moved to another one) never stay attributed
 * to it. Clean pages that kept their parent need no entry at all.
 */
final class TreeDelta {
  /** A pending ownership entry for the after-image. */
  record Slot(int owner, byte role, int parent) {}

  private final Side before;
  private final Side after;
  private final java.util.BitSet changed;
  private final OwnerMap owners;
  private final int root;
  private final boolean index;
  private final Map<Integer, Slot> pending;

  private final List<BtreePage> beforePages = new ArrayList<>();
  private final List<BtreePage> afterPages = new ArrayList<>();
  private final List<Integer> cleared = new ArrayList<>();
  private final List<StoredRow> afterRows = new ArrayList<>();
  private final List<StoredRow> beforeRows = new ArrayList<>();

  private TreeDelta(Side before, Side after, java.util.BitSet changed, OwnerMap owners, int root,
      boolean index, Map<Integer, Slot> pending) {
    this.before = before;
    this.after = after;
    this.changed = changed;
    this.owners = owners;
    this.root = root;
    this.index = index;
    this.pending = pending;
  }

  /**
   * Finds the candidate pages of the tree rooted at {@code root}. {@code owners} must describe the
   * before-image, with this commit's changed pages {@linkplain OwnerMap#markChanged marked}.
   *
   * <p>With {@code matchCells}, the cells of the candidate table leaves are matched by {@link
   * LeafMatch} first, and rows the commit left alone (in place, or moved to another page without
   * an overflow chain) become candidate rows on neither side. Only valid when the table's
   * definition is the same before and after the commit (an unchanged row is then no change), which
   * the caller vouches for.
   *
   * @param pending after-image ownership entries of this commit, shared by all trees (added to)
   * @throws CorruptPageException if a page is malformed or a tree walk meets a page twice
   */
  static TreeDelta compute(Side before, Side after, java.util.BitSet changed, OwnerMap owners,
      int root, boolean index, Map<Integer, Slot> pending, boolean matchCells) {
    TreeDelta d = new TreeDelta(before, after, changed, owners, root, index, pending);
    List<BtreePage> walked = d.walkAfter();
    for (BtreePage p : walked) {
      if (!d.unchanged(p.pgno())) {
        d.afterPages.add(p);
      }
    }
    // The after-rows (and their chains' pending entries) are only listed after the before-walk:
    // unchanged() consults pending for b-tree pages only, which walkAfter has already claimed.
    d.walkBefore();
    d.candidateRows(matchCells && !index);
    return d;
  }

  /**
   * Lists the candidate rows of both sides: every cell of the candidate pages, except the cells
   * that {@link LeafMatch} pairs as the same row with the same bytes on both sides.
   */
  private void candidateRows(boolean matchCells) {
    LeafMatch.Result m = matchCells ? LeafMatch.match(beforePages, afterPages, owners) : null;
    for (BtreePage p : afterPages) {
      rowsWithChains(p, m == null ? null : m.after(p.pgno()));
    }
    for (BtreePage p : beforePages) {
      BitSet keep = m == null ? null : m.before(p.pgno());
      for (int i = 0; i < p.cellCount; i++) {
        if (keep == null || keep.get(i)) {
          beforeRows.add(new StoredRow(before, p, i));
        }
      }
    }
  }

  /** The candidate rows of the after-image, in order, their overflow chains already walked. */
  List<StoredRow> afterRows() {
    return afterRows;
  }

  /** The candidate rows of the before-image, in order. */
  List<StoredRow> beforeRows() {
    return beforeRows;
  }

  /** Row-holding pages of the before-image whose rows must be compared, in tree order. */
  List<BtreePage> beforePages() {
    return beforePages;
  }

  /** Row-holding pages of the after-image whose rows must be compared, in tree order. */
  List<BtreePage> afterPages() {
    return afterPages;
  }

  /** Before-image pages of this tree to remove from the ownership map before applying pending. */
  List<Integer> cleared() {
    return cleared;
  }

  /** A page the tree owned before, whose subtree the commit did not touch (see the class comment). */
  private boolean clean(int p) {
    return owners.owner(p) == root && owners.role(p) != OwnerMap.OVERFLOW && !owners.dirty(p);
  }

  private List<BtreePage> walkAfter() {
    List<BtreePage> rowPages = new ArrayList<>();
    ArrayDeque<int[]> stack = new ArrayDeque<>();
    reach(root, 0);
    if (clean(root)) {
      return rowPages;
    }
    stack.push(new int[] {root, 0});
    while (!stack.isEmpty()) {
      int[] top = stack.pop();
      int p = top[0];
      int parent = top[1];
      BtreePage page = BtreePage.read(after.image(), p, after.usable(), index, parent);
      claim(p, new Slot(root, page.isLeaf() ? OwnerMap.LEAF : OwnerMap.INTERIOR, parent));
      if (page.hasPayloads()) {
        rowPages.add(page);
      }
      if (sameChildren(p)) {
        // Not rewritten: the same children as before, of which only the dirty ones need a visit.
        for (int c : owners.dirtyChildren(p)) {
          reach(c, p);
          stack.push(new int[] {c, p});
        }
        continue;
      }
      // Children right to left onto the stack, so that pages come off it in tree order. Clean
      // children are settled here, without a stack entry: most children of a page are clean.
      for (int i = page.childCount() - 1; i >= 0; i--) {
        int c = page.child(i);
        reach(c, p);
        if (!clean(c)) {
          stack.push(new int[] {c, p});
        } else if (owners.parent(c) != p) {
          claim(c, new Slot(root, owners.role(c), p)); // moved under another parent
        }
      }
    }
    return rowPages;
  }

  private void reach(int p, int parent) {
    // Checked before the ownership arrays are touched: they grow to the largest page number seen.
    if (p < 1 || p > after.image().pageCount()) {
      throw new CorruptPageException(parent, -1,
          "a child pointer to a page in 1.." + after.image().pageCount() + ", found " + p);
    }
    if (!owners.reach(p, root)) {
      throw new CorruptPageException(parent, -1,
          "a b-tree, but page " + p + " is reached twice (a loop, or a page in two trees)");
    }
  }

  private void walkBefore() {
    Set<Integer> seen = new HashSet<>();
    ArrayDeque<int[]> stack = new ArrayDeque<>();
    if (keptAfter(root)) {
      return;
    }
    stack.push(new int[] {root, 0});
    while (!stack.isEmpty()) {
      int[] top = stack.pop();
      int p = top[0];
      int parent = top[1];
      if (!seen.add(p)) {
        throw new CorruptPageException(parent, -1, "a b-tree, but page " + p + " is reached twice");
      }
      BtreePage page = BtreePage.read(before.image(), p, before.usable(), index, parent);
      cleared.add(p);
      if (page.hasPayloads() && !unchanged(p)) {
        beforePages.add(page);
      }
      if (sameChildren(p) && owners.reachedBy(p, root)) {
        // Walked after the commit with the same children: the clean ones stayed.
        for (int c : owners.dirtyChildren(p)) {
          stack.push(new int[] {c, p});
        }
        continue;
      }
      for (int i = page.childCount() - 1; i >= 0; i--) {
        int c = page.child(i);
        if (!keptAfter(c)) {
          stack.push(new int[] {c, p});
        }
      }
    }
  }

  /**
   * An interior page of this tree that the commit did not rewrite: its child pointers are the same
   * on both sides.
   */
  private boolean sameChildren(int p) {
    return owners.owner(p) == root && owners.role(p) == OwnerMap.INTERIOR && !changed.get(p);
  }

  /** A clean page the after-walk reached: an identical subtree, still in the tree. */
  private boolean keptAfter(int p) {
    return clean(p) && owners.reachedBy(p, root);
  }

  /** See the class comment: same tree and role on both sides, own bytes and chains untouched. */
  private boolean unchanged(int p) {
    Slot now = pending.get(p);
    return owners.owner(p) == root && now != null && now.owner() == root
        && now.role() == owners.role(p) && !owners.selfDirty(p);
  }

  /**
   * Adds the page's rows to {@link #afterRows()} and their overflow pages to {@code pending}; with
   * {@code keep}, only those cells. A cell left out ({@link LeafMatch}) has no overflow chain, or
   * one untouched under the same page, so its chain's ownership entries are already right.
   */
  private void rowsWithChains(BtreePage page, BitSet keep) {
    for (int i = 0; i < page.cellCount; i++) {
      if (keep != null && !keep.get(i)) {
        continue;
      }
      StoredRow row = new StoredRow(after, page, i);
      afterRows.add(row);
      int prev = page.pgno();
      for (int o : row.chain()) {
        claim(o, new Slot(root, OwnerMap.OVERFLOW, prev));
        prev = o;
      }
    }
  }

  private void claim(int p, Slot slot) {
    Slot old = pending.put(p, slot);
    if (old != null && (old.owner() != slot.owner() || old.role() != slot.role())) {
      throw new CorruptPageException(p, -1, "a page used once, but it is both a page of the b-tree "
          + "rooted at " + old.owner() + " and of the one rooted at " + slot.owner());
    }
  }
}
