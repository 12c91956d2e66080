package io.walflow.ingest.decode;

import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.Value;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * How to find one table's row changes in a commit.
 *
 * @param name the table's name after the commit
 * @param after its definition after the commit
 * @param afterRoot its root page after the commit
 * @param before its definition before the commit; empty for a table created by the commit
 * @param beforeRoot its root page before the commit (0 when created)
 * @param mode how its rows are compared
 * @param sources for each column of {@code after}, the before-column it comes from (null: new
 *     column, which takes its default); empty when the definition did not change
 */
record TablePlan(String name, TableDef after, int afterRoot, Optional<TableDef> before,
    int beforeRoot, Mode mode, Optional<String[]> sources) {

  enum Mode {
    /** Same b-tree before and after: compare the candidate pages of {@link TreeDelta}. */
    INCREMENTAL,
    /** The b-tree moved (VACUUM, a rebuilt table): compare every row of both trees by key. */
    FULL,
    /** A table the commit created: every row is an insert. */
    ALL_INSERTS
  }

  /** The before-definition, which exists for every mode but {@link Mode#ALL_INSERTS}. */
  TableDef beforeDef() {
    return before.orElseThrow(() -> new IllegalStateException(name + " has no before-definition"));
  }

  /**
   * A before-image row in the after-definition's columns: what a consumer holds once it applied
   * the commit's schema changes.
   */
  Map<String, Value> project(Map<String, Value> beforeRow) {
    if (sources.isEmpty()) {
      return beforeRow;
    }
    String[] src = sources.get();
    Map<String, Value> row = new LinkedHashMap<>(src.length * 2);
    for (int i = 0; i < src.length; i++) {
      ColumnDef col = after.columns().get(i);
      Value v = src[i] != null ? beforeRow.get(src[i]) : null;
      row.put(col.name(), v != null ? v : col.defaultValue().orElse(NullValue.INSTANCE));
    }
    return row;
  }
}
