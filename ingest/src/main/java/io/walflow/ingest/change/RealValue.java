package io.walflow.ingest.change;

/**
 * An IEEE-754 double (SQLite storage class REAL). SQLite turns NaN into NULL when it stores a
 * value, but a database file can still hold NaN and infinities, so every double is representable.
 */
public record RealValue(double value) implements Value {
  @Override
  public String storageClass() {
    return "real";
  }
}
