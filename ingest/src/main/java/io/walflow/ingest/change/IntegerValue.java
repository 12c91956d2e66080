package io.walflow.ingest.change;

/** A 64-bit signed integer (SQLite storage class INTEGER). */
public record IntegerValue(long value) implements Value {
  @Override
  public String storageClass() {
    return "integer";
  }
}
