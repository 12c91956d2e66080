package io.walflow.ingest.change;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * One row inserted, updated or deleted by a commit.
 *
 * <p>{@code before} and {@code after} hold every stored column of the table in declaration order
 * ({@code before} is empty for an insert, {@code after} for a delete). An update never changes the
 * key: when a commit changes a row's primary key (or its rowid), the decoder reports a delete of the
 * old row and an insert of the new one, so a consumer that keys its rows by {@code key} never sees
 * two rows with one key. {@code key} holds the primary-key columns by name, in primary-key order, or
 * {@code {"rowid": N}} when the table declares no primary key.
 *
 * @param table the table's name as of the end of the commit
 * @param op what happened
 * @param rowid the rowid, present exactly for rowid tables (absent for WITHOUT ROWID tables)
 * @param key the row's key (taken from {@code after} for an insert, from {@code before} otherwise)
 * @param before the row before the commit, in the table's columns as of the end of the commit
 * @param after the row after the commit
 */
public record RowChange(
    String table,
    Op op,
    OptionalLong rowid,
    Map<String, Value> key,
    Map<String, Value> before,
    Map<String, Value> after)
    implements Change {

  /**
   * Copies the maps (keeping their iteration order) into unmodifiable maps.
   *
   * @throws NullPointerException if any argument, map key or map value is null
   * @throws IllegalArgumentException if {@code key} is empty or {@code before}/{@code after} do
   *     not match {@code op} (empty exactly on the side that does not exist)
   */
  public RowChange {
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(op, "op");
    Objects.requireNonNull(rowid, "rowid");
    key = copy(key, "key");
    before = copy(before, "before");
    after = copy(after, "after");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key must not be empty");
    }
    boolean wantBefore = op != Op.INSERT;
    boolean wantAfter = op != Op.DELETE;
    if (before.isEmpty() == wantBefore || after.isEmpty() == wantAfter) {
      throw new IllegalArgumentException(
          op + " needs before " + (wantBefore ? "present" : "empty")
              + " and after " + (wantAfter ? "present" : "empty"));
    }
  }

  private static Map<String, Value> copy(Map<String, Value> map, String what) {
    Objects.requireNonNull(map, what);
    LinkedHashMap<String, Value> copy = new LinkedHashMap<>(Math.max(4, map.size() * 2));
    map.forEach(
        (k, v) -> copy.put(Objects.requireNonNull(k, what), Objects.requireNonNull(v, what)));
    return Collections.unmodifiableMap(copy);
  }
}
