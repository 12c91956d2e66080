package io.walflow.ingest.change;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A byte string (SQLite storage class BLOB). Immutable: the constructor and {@link #value()} copy,
 * so a caller can never change a value that other consumers share.
 */
public record BlobValue(byte[] value) implements Value {
  /** Longest prefix that {@link #toString()} prints, so that logs stay readable. */
  private static final int TO_STRING_BYTES = 32;

  /**
   * @throws NullPointerException if {@code value} is null: SQL NULL is {@link NullValue}
   */
  public BlobValue {
    value = value.clone();
  }

  /** A copy of the bytes. */
  @Override
  public byte[] value() {
    return value.clone();
  }

  /** The number of bytes. */
  public int length() {
    return value.length;
  }

  /** A read-only view of the bytes, without copying. */
  public ByteBuffer asReadOnlyBuffer() {
    return ByteBuffer.wrap(value).asReadOnlyBuffer();
  }

  @Override
  public String storageClass() {
    return "blob";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BlobValue other && Arrays.equals(value, other.value);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(value);
  }

  @Override
  public String toString() {
    int shown = Math.min(value.length, TO_STRING_BYTES);
    String hex = HexFormat.of().formatHex(value, 0, shown);
    return "BlobValue[" + value.length + " bytes: " + hex + (shown < value.length ? "…]" : "]");
  }
}
