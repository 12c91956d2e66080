package io.walflow.ingest.change;

import java.util.Objects;

/** A string (SQLite storage class TEXT), already decoded from the database's text encoding. */
public record TextValue(String value) implements Value {
  /**
   * @throws NullPointerException if {@code value} is null: SQL NULL is {@link NullValue}
   */
  public TextValue {
    Objects.requireNonNull(value, "value");
  }

  @Override
  public String storageClass() {
    return "text";
  }
}
