package io.walflow.ingest.decode;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.change.Op;
import io.walflow.ingest.change.RowChange;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LeafMatch}: untouched cells of a rewritten leaf are left out, and the commits whose leaves
 * it matches still decode exactly as SQLite says ({@link Harness}).
 */
class LeafMatchTest {
  @TempDir Path dir;

  private static final String FILL = "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c "
      + "WHERE i < 3000) INSERT INTO t SELECT i, i * 7, printf('%020d', i) FROM c";

  @Test
  void match_oneUpdatedCell_isTheOnlyCandidateOnEachSide() throws Exception {
    try (TestDb db = new TestDb(dir)) {
      db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT)", FILL);
      ByteImage before = db.image();
      db.exec("UPDATE t SET v = 'shorter' WHERE id = 1500"); // fits: no split, no other cell moves
      ByteImage after = db.image();
      Side b = Side.of(before);
      Side a = Side.of(after);
      BitSet changed = ByteImage.changedPages(before, after);
      int leaf = -1;
      for (int p = changed.nextSetBit(1); p >= 0; p = changed.nextSetBit(p + 1)) {
        BtreePage page;
        try {
          page = BtreePage.read(after, p, a.usable(), false, 0);
        } catch (CorruptPageException e) {
          continue; // not a table b-tree page (the header page, an index page)
        }
        if (page.type == BtreePage.TABLE_LEAF && page.cellCount > 50) {
          leaf = p;
        }
      }
      assertThat(leaf).isPositive();
      BtreePage old = BtreePage.read(before, leaf, b.usable(), false, 0);
      BtreePage now = BtreePage.read(after, leaf, a.usable(), false, 0);
      // With a changed overflow page attributed to the leaf, every cell takes the slow path
      // (parsed and compared): same answer, since no cell has an overflow chain.
      for (boolean chainsChanged : new boolean[] {false, true}) {
        OwnerMap owners = new OwnerMap();
        owners.set(leaf, 1, OwnerMap.LEAF, 0);
        int overflowPage = after.pageCount() + 1;
        owners.set(overflowPage, 1, OwnerMap.OVERFLOW, leaf);
        owners.beginCommit();
        if (chainsChanged) {
          owners.markChanged(overflowPage);
        }
        assertThat(owners.chainDirty(leaf)).isEqualTo(chainsChanged);
        LeafMatch.Result m = LeafMatch.match(List.of(old), List.of(now), owners);
        BitSet keepBefore = m.before(leaf);
        BitSet keepAfter = m.after(leaf);
        assertThat(keepBefore.cardinality()).isEqualTo(1);
        assertThat(keepAfter.cardinality()).isEqualTo(1);
        assertThat(old.cell(keepBefore.nextSetBit(0)).rowid()).isEqualTo(1500);
        assertThat(now.cell(keepAfter.nextSetBit(0)).rowid()).isEqualTo(1500);
      }
    }
  }

  @Test
  void decode_scatteredUpdatesAndDeletes_matchSqlite() throws Exception {
    try (Harness h = new Harness(dir)) {
      h.commit("CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v TEXT)", FILL);
      h.commit("UPDATE t SET v = 'x' WHERE id % 97 = 0");
      h.commit("UPDATE t SET v = printf('%05000d', id) WHERE id % 89 = 0"); // overflow chains
      h.commit("UPDATE t SET k = k + 1 WHERE id % 83 = 0"); // same size: rewritten in place
      h.commit("UPDATE t SET v = printf('%05000d', id + 1) WHERE id % 89 = 0"); // chain content only
      h.commit("DELETE FROM t WHERE id % 101 = 0");
      ChangeSet c = h.commit("DELETE FROM t WHERE id % 89 = 0");
      assertThat(c.rowChanges()).extracting(RowChange::op).containsOnly(Op.DELETE).isNotEmpty();
      h.commit("UPDATE t SET v = v WHERE id % 13 = 0"); // written, but no row changed
      h.commit("UPDATE t SET v = printf('%01500d', id) WHERE id % 5 = 0"); // splits: rows move
      h.commit("DELETE FROM t WHERE id % 3 <> 0"); // merges: rows move back
      h.checkSnapshot();
    }
  }

  @Test
  void decode_overflowChangedNextToUnchangedOverflowRows_matchesSqlite() throws Exception {
    try (Harness h = new Harness(dir)) {
      h.commit("CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB)");
      h.commit("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 40) "
          + "INSERT INTO t SELECT i, zeroblob(CASE WHEN i % 2 = 0 THEN 9000 ELSE 10 END) FROM c");
      // Changes only overflow bytes of one row and the local bytes of another on the same leaf.
      ChangeSet c = h.commit(
          "UPDATE t SET b = CAST(substr(b, 1, 8000) || x'01' || substr(b, 8002) AS BLOB) WHERE id = 6",
          "UPDATE t SET b = x'02' WHERE id = 7");
      assertThat(c.rowChanges()).extracting(RowChange::op).containsExactly(Op.UPDATE, Op.UPDATE);
    }
  }
}
