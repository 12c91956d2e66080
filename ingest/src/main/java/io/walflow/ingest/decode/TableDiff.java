package io.walflow.ingest.decode;

import io.walflow.ingest.change.Op;
import io.walflow.ingest.change.RowChange;
import io.walflow.ingest.change.Value;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Compares one table's candidate rows before and after a commit, by key (the rowid, or the
 * primary key of a WITHOUT ROWID table), and turns the differences into row changes.
 *
 * <p>A key on both sides whose payload bytes are identical is no change (the row moved, or shared
 * a page with a changed row); otherwise both rows are decoded and compared as values in the
 * after-definition's columns, so a row rewritten by the commit without a visible difference (a
 * DROP COLUMN rewrite, a rebuilt table) is no change either. An update that changes the key is
 * reported as a delete and an insert. Output order: deletes, updates, inserts; within each, rowid
 * order for rowid tables and tree order for WITHOUT ROWID tables.
 */
final class TableDiff {
  private final TablePlan plan;
  private final BitSet changed;
  private final TableDef.Layout afterFields;
  private final TableDef.Layout beforeFields;
  private final boolean sameDefinition;
  private final List<RowChange> deletes = new ArrayList<>();
  private final List<RowChange> updates = new ArrayList<>();
  private final List<RowChange> inserts = new ArrayList<>();
  private final List<Integer> freedChains = new ArrayList<>();

  private TableDiff(TablePlan plan, BitSet changed) {
    this.plan = plan;
    this.changed = changed;
    this.afterFields = plan.after().layout();
    this.beforeFields = plan.before().map(TableDef::layout).orElse(afterFields);
    this.sameDefinition = plan.before().map(b -> b == plan.after() || b.equals(plan.after())).orElse(false);
  }

  /**
   * Appends the row changes between {@code before} and {@code after} to {@code out}.
   *
   * @param changed pages the commit wrote (for the overflow shortcut)
   * @param freed receives the overflow pages of before-rows that were decoded (their chains may
   *     have been freed; the caller removes them from the ownership map)
   * @throws CorruptPageException if a side holds one key twice or a row does not decode
   */
  static void diff(TablePlan plan, List<StoredRow> before, List<StoredRow> after, BitSet changed,
      List<RowChange> out, List<Integer> freed) {
    TableDiff d = new TableDiff(plan, changed);
    d.run(before, after);
    out.addAll(d.deletes);
    out.addAll(d.updates);
    out.addAll(d.inserts);
    freed.addAll(d.freedChains);
  }

  private void run(List<StoredRow> before, List<StoredRow> after) {
    if (plan.after().withoutRowid()) {
      joinByKey(before, after);
    } else {
      mergeByRowid(before, after);
    }
  }

  /**
   * WITHOUT ROWID tables: the key is part of the record, so every candidate row is decoded and
   * the sides are joined on the primary-key values.
   */
  private void joinByKey(List<StoredRow> before, List<StoredRow> after) {
    Map<List<Value>, StoredRow> old = new LinkedHashMap<>(before.size() * 2);
    Map<List<Value>, Map<String, Value>> oldRows = new LinkedHashMap<>(before.size() * 2);
    for (StoredRow r : before) {
      Map<String, Value> row = beforeRow(r);
      List<Value> key = keyOf(row, r.rowid());
      oldRows.put(key, row);
      if (old.put(key, r) != null) {
        throw new CorruptPageException(r.cell.pgno(), r.cell.offset(), "unique keys in table "
            + plan.name() + ", found key " + key + " twice before the commit");
      }
    }
    Map<List<Value>, Map<String, Value>> added = new LinkedHashMap<>();
    Map<List<Value>, StoredRow> addedRows = new LinkedHashMap<>();
    for (StoredRow a : after) {
      Map<String, Value> newRow = a.row(plan.after(), afterFields);
      List<Value> key = keyOf(newRow, a.rowid());
      StoredRow b = old.remove(key);
      if (b != null) {
        compare(b, a, oldRows.get(key), newRow);
      } else if (added.put(key, newRow) != null || oldRows.containsKey(key)) {
        throw new CorruptPageException(a.cell.pgno(), a.cell.offset(), "unique keys in table "
            + plan.name() + ", found key " + key + " twice after the commit");
      } else {
        addedRows.put(key, a);
      }
    }
    for (Map.Entry<List<Value>, StoredRow> e : old.entrySet()) {
      StoredRow b = e.getValue();
      Map<String, Value> oldRow = oldRows.get(e.getKey());
      freedChains(b);
      deletes.add(change(Op.DELETE, b.rowid(), plan.after().key(oldRow, b.rowid()), oldRow, Map.of()));
    }
    for (Map.Entry<List<Value>, StoredRow> e : addedRows.entrySet()) {
      Map<String, Value> newRow = added.get(e.getKey());
      StoredRow a = e.getValue();
      inserts.add(change(Op.INSERT, a.rowid(), plan.after().key(newRow, a.rowid()), Map.of(), newRow));
    }
  }

  /**
   * Rowid tables: both sides sorted by rowid (candidate pages come mostly in tree order, so the
   * sort is nearly free) and merged, without hashing.
   */
  private void mergeByRowid(List<StoredRow> before, List<StoredRow> after) {
    List<StoredRow> b = sorted(before, "before");
    List<StoredRow> a = sorted(after, "after");
    int i = 0;
    int j = 0;
    while (i < b.size() || j < a.size()) {
      StoredRow x = i < b.size() ? b.get(i) : null;
      StoredRow y = j < a.size() ? a.get(j) : null;
      if (y == null || (x != null && x.rowid() < y.rowid())) {
        Map<String, Value> oldRow = beforeRow(x);
        freedChains(x);
        deletes.add(change(Op.DELETE, x.rowid(), plan.after().key(oldRow, x.rowid()), oldRow, Map.of()));
        i++;
      } else if (x == null || y.rowid() < x.rowid()) {
        Map<String, Value> newRow = y.row(plan.after(), afterFields);
        inserts.add(change(Op.INSERT, y.rowid(), plan.after().key(newRow, y.rowid()), Map.of(), newRow));
        j++;
      } else {
        compare(x, y, null, null);
        i++;
        j++;
      }
    }
  }

  private static List<StoredRow> sorted(List<StoredRow> rows, String side) {
    List<StoredRow> s = rows;
    for (int k = 1; k < s.size(); k++) {
      if (s.get(k).rowid() < s.get(k - 1).rowid()) {
        s = new ArrayList<>(rows);
        s.sort((p, q) -> Long.compare(p.rowid(), q.rowid()));
        break;
      }
    }
    for (int k = 1; k < s.size(); k++) {
      if (s.get(k).rowid() == s.get(k - 1).rowid()) {
        StoredRow r = s.get(k);
        throw new CorruptPageException(r.cell.pgno(), r.cell.offset(),
            "unique rowids, found rowid " + r.rowid() + " twice " + side + " the commit");
      }
    }
    return s;
  }

  /** One key on both sides: nothing, an update, or a delete and an insert if the key changed. */
  private void compare(StoredRow b, StoredRow a, Map<String, Value> oldRow, Map<String, Value> newRow) {
    if (sameDefinition && b.sameBytes(a, changed)) {
      return;
    }
    if (oldRow == null) {
      oldRow = beforeRow(b);
    }
    freedChains(b);
    if (newRow == null) {
      newRow = a.row(plan.after(), afterFields);
    }
    if (oldRow.equals(newRow)) {
      return;
    }
    Map<String, Value> oldKey = plan.after().key(oldRow, b.rowid());
    Map<String, Value> newKey = plan.after().key(newRow, a.rowid());
    if (oldKey.equals(newKey)) {
      updates.add(change(Op.UPDATE, a.rowid(), oldKey, oldRow, newRow));
    } else {
      deletes.add(change(Op.DELETE, b.rowid(), oldKey, oldRow, Map.of()));
      inserts.add(change(Op.INSERT, a.rowid(), newKey, Map.of(), newRow));
    }
  }

  /** All rows of a new table (or of a snapshot) as inserts, appended to {@code out}. */
  static void insertAll(TablePlan plan, List<StoredRow> rows, List<RowChange> out) {
    TableDiff d = new TableDiff(plan, new BitSet());
    for (StoredRow a : rows) {
      Map<String, Value> row = a.row(plan.after(), d.afterFields);
      out.add(d.change(Op.INSERT, a.rowid(), plan.after().key(row, a.rowid()), Map.of(), row));
    }
  }

  private Map<String, Value> beforeRow(StoredRow r) {
    return plan.project(r.row(plan.beforeDef(), beforeFields));
  }

  private List<Value> keyOf(Map<String, Value> row, long rowid) {
    return new ArrayList<>(plan.after().key(row, rowid).values());
  }

  private void freedChains(StoredRow b) {
    for (int p : b.chain()) {
      freedChains.add(p);
    }
  }

  private RowChange change(Op op, long rowid, Map<String, Value> key, Map<String, Value> before,
      Map<String, Value> after) {
    OptionalLong id = plan.after().withoutRowid() ? OptionalLong.empty() : OptionalLong.of(rowid);
    return new RowChange(plan.name(), op, id, key, before, after);
  }
}
