package io.walflow.ingest.decode;

import io.walflow.ingest.image.PageImage;
import java.util.ArrayDeque;
import java.util.BitSet;

/**
 * A full walk of one b-tree, pages in pre-order (a page before its children, children left to
 * right, so table leaves come in rowid order). Costs one page read per page of the tree.
 *
 * <p>A page reached twice means the tree is not a tree (a loop, or two parents): that is
 * corruption, and it also bounds the walk by the number of pages.
 */
final class TreeWalk {
  /** Receives each page of the tree. */
  interface Visitor {
    /**
     * @param page the page
     * @param parent the page that points to it, 0 for the root
     */
    void visit(BtreePage page, int parent);
  }

  private TreeWalk() {}

  /**
   * Walks the tree rooted at {@code root}.
   *
   * @param index true for an index b-tree (WITHOUT ROWID tables), false for a table b-tree
   * @throws CorruptPageException if a page is not a b-tree page of the right kind, a pointer leaves
   *     the image or a page is reached twice
   */
  static void walk(PageImage image, int usable, int root, boolean index, Visitor visitor) {
    BitSet seen = new BitSet();
    ArrayDeque<long[]> stack = new ArrayDeque<>();
    stack.push(new long[] {root, 0});
    while (!stack.isEmpty()) {
      long[] top = stack.pop();
      int pgno = (int) top[0];
      int parent = (int) top[1];
      if (seen.get(pgno)) {
        throw new CorruptPageException(parent, -1, "a b-tree, but page " + pgno + " is reached twice");
      }
      BtreePage page = BtreePage.read(image, pgno, usable, index, parent);
      seen.set(pgno);
      visitor.visit(page, parent);
      for (int i = page.childCount() - 1; i >= 0; i--) {
        stack.push(new long[] {page.child(i), pgno});
      }
    }
  }
}
