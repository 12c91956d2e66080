package io.walflow.ingest.change;

import java.util.Locale;

/** What happened to one row in one commit. */
public enum Op {
  /** The row did not exist before the commit and exists after it. */
  INSERT,
  /** The row exists before and after the commit with different values and the same key. */
  UPDATE,
  /** The row existed before the commit and does not exist after it. */
  DELETE;

  /** The lower-case name used in JSON ({@code "insert"} …). */
  public String jsonName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
