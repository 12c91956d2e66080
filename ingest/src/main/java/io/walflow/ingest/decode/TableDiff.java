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
 * reported as a delete and an insert. Output order: deletes, updates, inserts, each in tree
 * order.
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
    this.sameDefinition = plan.before().map(b -> b.equals(plan.after())).orElse(false);
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
    boolean rowid = !plan.after().withoutRowid();
    Map<Object, StoredRow> old = new LinkedHashMap<>(before.size() * 2);
    Map<Object, Map<String, Value>> oldRows = new LinkedHashMap<>();
    for (StoredRow r : before) {
      Object key;
      if (rowid) {
        key = r.rowid();
      } else {
        Map<String, Value> row = beforeRow(r);
        key = keyOf(row, r.rowid());
        oldRows.put(key, row);
      }
      if (old.put(key, r) != null) {
        throw new CorruptPageException(r.cell.pgno(), r.cell.offset(), "unique keys in table "
            + plan.name() + ", found key " + key + " twice before the commit");
      }
    }
    Map<Object, Boolean> seenAfter = new LinkedHashMap<>(after.size() * 2);
    List<StoredRow> added = new ArrayList<>();
    List<Map<String, Value>> addedRows = new ArrayList<>();
    for (StoredRow a : after) {
      Map<String, Value> newRow = rowid ? null : a.row(plan.after(), afterFields);
      Object key = rowid ? (Object) a.rowid() : keyOf(newRow, a.rowid());
      if (seenAfter.put(key, Boolean.TRUE) != null) {
        throw new CorruptPageException(a.cell.pgno(), a.cell.offset(), "unique keys in table "
            + plan.name() + ", found key " + key + " twice after the commit");
      }
      StoredRow b = old.remove(key);
      if (b == null) {
        added.add(a);
        addedRows.add(newRow);
        continue;
      }
      if (sameDefinition && b.sameBytes(a, changed)) {
        oldRows.remove(key);
        continue;
      }
      Map<String, Value> oldRow = oldRows.remove(key);
      if (oldRow == null) {
        oldRow = beforeRow(b);
      }
      freedChains(b);
      if (newRow == null) {
        newRow = a.row(plan.after(), afterFields);
      }
      if (oldRow.equals(newRow)) {
        continue;
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
    for (Map.Entry<Object, StoredRow> e : old.entrySet()) {
      StoredRow b = e.getValue();
      Map<String, Value> oldRow = oldRows.containsKey(e.getKey()) ? oldRows.get(e.getKey()) : beforeRow(b);
      freedChains(b);
      deletes.add(change(Op.DELETE, b.rowid(), plan.after().key(oldRow, b.rowid()), oldRow, Map.of()));
    }
    for (int i = 0; i < added.size(); i++) {
      StoredRow a = added.get(i);
      Map<String, Value> newRow = addedRows.get(i) != null ? addedRows.get(i) : a.row(plan.after(), afterFields);
      inserts.add(change(Op.INSERT, a.rowid(), plan.after().key(newRow, a.rowid()), Map.of(), newRow));
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

  private Object keyOf(Map<String, Value> row, long rowid) {
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
