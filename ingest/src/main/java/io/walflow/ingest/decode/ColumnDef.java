package io.walflow.ingest.decode;

import io.walflow.ingest.change.Column;
import io.walflow.ingest.change.Value;
import java.util.Locale;
import java.util.Optional;

/**
 * One stored column of a table as SQLite interprets its declaration (see {@link
 * SchemaInterpreter}).
 *
 * @param name the column name
 * @param type the declared type ({@code ""} when none)
 * @param pk 1-based position in the primary key, 0 when not part of it
 * @param notNull declared NOT NULL
 * @param defaultSql the declared default expression, if any
 * @param defaultValue what a record written before the column existed reads as (see {@link
 *     Column#defaultValue()})
 */
record ColumnDef(String name, String type, int pk, boolean notNull, Optional<String> defaultSql,
    Optional<Value> defaultValue) {

  /**
   * Whether the column has REAL affinity: SQLite stores integral reals of such columns as
   * integers and converts them back on read, so the decoder must too. The rule is SQLite's
   * (datatype3.html §3.1): a declared type containing "INT" is INTEGER, then "CHAR"/"CLOB"/"TEXT"
   * is TEXT, then "BLOB" or no type is BLOB, then "REAL"/"FLOA"/"DOUB" is REAL.
   */
  boolean realAffinity() {
    String t = type.toUpperCase(Locale.ROOT);
    if (t.contains("INT") || t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT")
        || t.contains("BLOB") || t.isEmpty()) {
      return false;
    }
    return t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB");
  }

  /** The public form. */
  Column toColumn() {
    return new Column(name, type, pk, notNull, defaultSql, defaultValue, Optional.empty());
  }
}
