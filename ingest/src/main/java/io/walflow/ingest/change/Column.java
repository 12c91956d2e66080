package io.walflow.ingest.change;

import java.util.Objects;
import java.util.Optional;

/**
 * One column of a table, as SQLite reports it ({@code PRAGMA table_xinfo}) after a schema change.
 *
 * <p>Defaults are given twice, because they serve two purposes. {@code defaultSql} is the declared
 * default expression exactly as written ({@code 'abc'}, {@code CURRENT_TIMESTAMP}, {@code (1+2)}),
 * present only when the column declares one. {@code defaultValue} is the value that a row stored
 * before this column existed reads as (what a consumer gives its existing rows when {@code ALTER
 * TABLE … ADD COLUMN} adds the column): SQLite evaluated, with the column's affinity applied; {@link
 * NullValue} when no default is declared; empty when the declared default is not a constant (SQLite
 * refuses to add such a column to existing rows, so no stored row ever needs it).
 *
 * @param name the column's name
 * @param type the declared type as written ({@code ""} when none)
 * @param pk position in the primary key, 1-based; 0 when the column is not part of it
 * @param notNull whether the column is declared NOT NULL
 * @param defaultSql the declared default expression, when there is one
 * @param defaultValue the value of the default for rows stored without this column (see above)
 * @param previousName the column's name before this change, only when it was renamed
 */
public record Column(
    String name,
    String type,
    int pk,
    boolean notNull,
    Optional<String> defaultSql,
    Optional<Value> defaultValue,
    Optional<String> previousName) {

  /**
   * @throws NullPointerException if any argument is null
   * @throws IllegalArgumentException if {@code pk} is negative
   */
  public Column {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(defaultSql, "defaultSql");
    Objects.requireNonNull(defaultValue, "defaultValue");
    Objects.requireNonNull(previousName, "previousName");
    if (pk < 0) {
      throw new IllegalArgumentException("pk position must be >= 0: " + pk);
    }
  }

  /** A column with no declared default, never renamed. */
  public static Column of(String name, String type, int pk, boolean notNull) {
    return new Column(
        name, type, pk, notNull, Optional.empty(), Optional.of(NullValue.INSTANCE), Optional.empty());
  }

  /** This column with {@link #previousName()} set. */
  public Column withPreviousName(String previous) {
    return new Column(name, type, pk, notNull, defaultSql, defaultValue, Optional.of(previous));
  }
}
