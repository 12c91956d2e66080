package io.walflow.ingest.change;

import java.util.Locale;

/**
 * What happened to one schema object in one commit. Tables carry their columns; indexes, views and
 * triggers are recorded with their SQL only, so that a consumer can rebuild the database.
 */
public enum SchemaOp {
  CREATE_TABLE,
  DROP_TABLE,
  /** The table's definition changed (columns added, renamed or dropped, or the table renamed). */
  ALTER_TABLE,
  CREATE_INDEX,
  DROP_INDEX,
  CREATE_VIEW,
  DROP_VIEW,
  CREATE_TRIGGER,
  DROP_TRIGGER;

  /** The lower-case name used in JSON ({@code "create_table"} …). */
  public String jsonName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** True for the three table operations, whose events carry columns. */
  public boolean isTableOp() {
    return this == CREATE_TABLE || this == DROP_TABLE || this == ALTER_TABLE;
  }
}
