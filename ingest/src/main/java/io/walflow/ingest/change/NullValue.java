package io.walflow.ingest.change;

/** SQL NULL (SQLite storage class NULL). There is one instance. */
public enum NullValue implements Value {
  INSTANCE;

  @Override
  public String storageClass() {
    return "null";
  }
}
