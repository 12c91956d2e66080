package io.walflow.ingest.decode;

/**
 * One row of {@code sqlite_schema}.
 *
 * @param type "table", "index", "view" or "trigger"
 * @param name the object's name
 * @param tableName the table it belongs to (its own name for a table)
 * @param rootpage root page of its b-tree; 0 for views, triggers and virtual tables
 * @param sql the CREATE statement; empty for automatic indexes, which have none
 */
record SchemaObject(String type, String name, String tableName, int rootpage, String sql) {

  boolean isTable() {
    return type.equals("table");
  }

  /** A table with a b-tree of its own (not a virtual table). */
  boolean hasRows() {
    return isTable() && rootpage > 0;
  }
}
