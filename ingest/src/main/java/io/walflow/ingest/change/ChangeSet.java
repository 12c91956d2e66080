package io.walflow.ingest.change;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The decoded content of one commit (or of one snapshot): schema changes first, then row changes.
 *
 * <p>Applied in order, the schema changes turn the schema before the commit into the schema after
 * it; the row changes then name tables and columns as of the end of the commit. Within a table,
 * deletes come before updates and updates before inserts, so that applying them in order never
 * puts two rows under one key.
 *
 * @param schemaChanges schema changes, in an order that can be applied in sequence
 * @param rowChanges row changes, grouped by table
 */
public record ChangeSet(List<SchemaChange> schemaChanges, List<RowChange> rowChanges) {

  /** A commit that changed nothing visible (for example an index rebuild or a VACUUM). */
  public static final ChangeSet EMPTY = new ChangeSet(List.of(), List.of());

  /**
   * @throws NullPointerException if a list or an element is null
   */
  public ChangeSet {
    schemaChanges = List.copyOf(schemaChanges);
    rowChanges = List.copyOf(rowChanges);
  }

  /** Every change in order: the schema changes, then the row changes. */
  public List<Change> changes() {
    List<Change> all = new ArrayList<>(schemaChanges.size() + rowChanges.size());
    all.addAll(schemaChanges);
    all.addAll(rowChanges);
    return Collections.unmodifiableList(all);
  }

  /** True when there is no change at all. */
  public boolean isEmpty() {
    return schemaChanges.isEmpty() && rowChanges.isEmpty();
  }

  /** The number of changes. */
  public int size() {
    return schemaChanges.size() + rowChanges.size();
  }
}
