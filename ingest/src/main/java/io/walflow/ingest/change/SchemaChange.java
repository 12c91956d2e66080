package io.walflow.ingest.change;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One schema object created, dropped or altered by a commit.
 *
 * <p>For table operations, {@code columns} are the table's stored columns after the change (empty
 * for a drop), so that a consumer can bring the rows it holds up to date without rereading them:
 * a column with a {@link Column#previousName()} was renamed, a new column takes its {@link
 * Column#defaultValue()}, a column no longer listed is gone. For indexes, views and triggers {@code
 * columns} is empty. {@code sql} is the object's CREATE statement as SQLite stores it after the
 * change (for a drop: as it was before).
 *
 * @param table the object's name as of the end of the change
 * @param op what happened
 * @param sql the CREATE statement
 * @param columns the table's columns after the change, in declaration order
 * @param previousName the table's name before the change, only when it was renamed
 */
public record SchemaChange(
    String table, SchemaOp op, String sql, List<Column> columns, Optional<String> previousName)
    implements Change {

  /**
   * @throws NullPointerException if any argument or column is null
   */
  public SchemaChange {
    Objects.requireNonNull(table, "table");
    Objects.requireNonNull(op, "op");
    Objects.requireNonNull(sql, "sql");
    columns = List.copyOf(columns);
    Objects.requireNonNull(previousName, "previousName");
  }
}
