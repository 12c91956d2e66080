package io.walflow.dataflow.plan;

/**
 * SQLite's type affinity (https://sqlite.org/datatype3.html, section 3): of a table column, from
 * its declared type; of an expression, for the comparison rules of section 4.2. {@link #NONE} is
 * "no affinity" (literals, most expressions); {@link #BLOB} is the affinity of a column declared
 * BLOB or without a type. The two differ only in comparisons with a TEXT operand.
 */
public enum Affinity {
  TEXT,
  NUMERIC,
  INTEGER,
  REAL,
  BLOB,
  NONE;

  /** True for INTEGER, REAL and NUMERIC. */
  public boolean isNumeric() {
    return this == INTEGER || this == REAL || this == NUMERIC;
  }

  /** The affinity of a column declared with {@code declaredType}, by SQLite's five rules. */
  public static Affinity ofDeclaredType(String declaredType) {
    String t = declaredType.toUpperCase(java.util.Locale.ROOT);
    if (t.contains("INT")) {
      return INTEGER;
    }
    if (t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT")) {
      return TEXT;
    }
    if (t.contains("BLOB") || t.isBlank()) {
      return BLOB;
    }
    if (t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB")) {
      return REAL;
    }
    return NUMERIC;
  }
}
