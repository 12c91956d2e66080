package io.walflow.ingest.decode;

import java.util.ArrayList;
import java.util.List;

/**
 * Whole-tree and whole-database walks: the fallback when there is nothing to be incremental from
 * (a fresh decoder, a schema change, a snapshot, a VACUUM). Cost: every page of every table.
 */
final class FullScan {
  private FullScan() {}

  /** Every row of the table b-tree rooted at {@code root}, in tree order. */
  static List<StoredRow> rows(Side side, int root, boolean withoutRowid) {
    List<StoredRow> rows = new ArrayList<>();
    TreeWalk.walk(side.image(), side.usable(), root, withoutRowid, (page, parent) -> {
      if (page.hasPayloads()) {
        for (int i = 0; i < page.cellCount; i++) {
          rows.add(new StoredRow(side, page, i));
        }
      }
    });
    return rows;
  }

  /**
   * The ownership map of {@code side}: every page of every table b-tree and of their overflow
   * chains.
   *
   * @throws CorruptPageException if a page belongs to two trees or chains, or a tree is malformed
   */
  static OwnerMap owners(Side side, Schema schema) {
    OwnerMap owners = new OwnerMap();
    for (var e : schema.tables().entrySet()) {
      int root = schema.root(e.getKey());
      TreeWalk.walk(side.image(), side.usable(), root, e.getValue().withoutRowid(), (page, parent) -> {
        claim(owners, page.pgno(), root, page.isLeaf() ? OwnerMap.LEAF : OwnerMap.INTERIOR, parent);
        if (page.hasPayloads()) {
          for (int i = 0; i < page.cellCount; i++) {
            int prev = page.pgno();
            for (int o : Overflow.chain(side.image(), side.usable(), page.cell(i))) {
              claim(owners, o, root, OwnerMap.OVERFLOW, prev);
              prev = o;
            }
          }
        }
      });
    }
    return owners;
  }

  private static void claim(OwnerMap owners, int page, int root, byte role, int parent) {
    if (owners.owner(page) != 0) {
      throw new CorruptPageException(page, -1, "a page used once, but the trees rooted at "
          + owners.owner(page) + " and " + root + " both use it");
    }
    owners.set(page, root, role, parent);
  }
}
