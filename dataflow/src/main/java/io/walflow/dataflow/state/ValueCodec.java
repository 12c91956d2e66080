package io.walflow.dataflow.state;

import io.walflow.ingest.change.BlobValue;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.RealValue;
import io.walflow.ingest.change.TextValue;
import io.walflow.ingest.change.Value;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The byte form of rows and row keys in the base-table store. Private to this process (the store is
 * rebuilt from the log on start), so it carries no version.
 *
 * <pre>
 * row   = count:u16 value*
 * value = 0                         NULL
 *       | 1 int64 (big-endian)      INTEGER
 *       | 2 float64 bits            REAL
 *       | 3 len:u32 utf-8 bytes     TEXT
 *       | 4 len:u32 bytes           BLOB
 * </pre>
 */
public final class ValueCodec {
  private static final byte NULL = 0;
  private static final byte INTEGER = 1;
  private static final byte REAL = 2;
  private static final byte TEXT = 3;
  private static final byte BLOB = 4;

  private ValueCodec() {}

  /** The bytes of {@code values}. */
  public static byte[] encode(Value[] values) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 + values.length * 9);
    out.write(values.length >>> 8);
    out.write(values.length);
    for (Value v : values) {
      write(out, v);
    }
    return out.toByteArray();
  }

  /** The bytes of {@code values}. */
  public static byte[] encode(List<Value> values) {
    return encode(values.toArray(new Value[0]));
  }

  private static void write(ByteArrayOutputStream out, Value v) {
    if (v instanceof IntegerValue i) {
      out.write(INTEGER);
      writeLong(out, i.value());
    } else if (v instanceof RealValue r) {
      out.write(REAL);
      writeLong(out, Double.doubleToRawLongBits(r.value()));
    } else if (v instanceof TextValue t) {
      out.write(TEXT);
      byte[] b = t.value().getBytes(StandardCharsets.UTF_8);
      writeInt(out, b.length);
      out.write(b, 0, b.length);
    } else if (v instanceof BlobValue b) {
      out.write(BLOB);
      byte[] bytes = b.value();
      writeInt(out, bytes.length);
      out.write(bytes, 0, bytes.length);
    } else {
      out.write(NULL);
    }
  }

  private static void writeLong(ByteArrayOutputStream out, long v) {
    for (int s = 56; s >= 0; s -= 8) {
      out.write((int) (v >>> s));
    }
  }

  private static void writeInt(ByteArrayOutputStream out, int v) {
    for (int s = 24; s >= 0; s -= 8) {
      out.write(v >>> s);
    }
  }

  /**
   * The values encoded in {@code bytes}.
   *
   * @throws IllegalStateException when the bytes are not a row this codec wrote (a store bug)
   */
  public static Value[] decode(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes);
    try {
      int n = Short.toUnsignedInt(in.getShort());
      Value[] out = new Value[n];
      for (int i = 0; i < n; i++) {
        byte tag = in.get();
        out[i] = switch (tag) {
          case NULL -> Value.ofNull();
          case INTEGER -> Value.of(in.getLong());
          case REAL -> Value.of(Double.longBitsToDouble(in.getLong()));
          case TEXT -> {
            byte[] b = new byte[in.getInt()];
            in.get(b);
            yield Value.of(new String(b, StandardCharsets.UTF_8));
          }
          case BLOB -> {
            byte[] b = new byte[in.getInt()];
            in.get(b);
            yield Value.of(b);
          }
          default -> throw new IllegalStateException("stored row: unknown value tag " + tag + " at offset "
              + (in.position() - 1));
        };
      }
      return out;
    } catch (java.nio.BufferUnderflowException e) {
      throw new IllegalStateException("stored row truncated: " + bytes.length + " bytes", e);
    }
  }
}
