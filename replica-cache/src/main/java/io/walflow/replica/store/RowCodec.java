package io.walflow.replica.store;

import io.walflow.ingest.change.BlobValue;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.RealValue;
import io.walflow.ingest.change.TextValue;
import io.walflow.ingest.change.Value;
import java.nio.charset.StandardCharsets;

/**
 * The stored form of a row: its values by column slot (see {@link TableSchema}), each with its
 * storage class.
 *
 * <pre>
 *   Row   := version:u8 (= 1) count:uvarint Value × count     (no trailing bytes)
 *   Value := tag:u8 then 0 NULL | 1 INTEGER svarint | 2 REAL 8 bytes IEEE-754 big-endian
 *                        | 3 TEXT uvarint length, UTF-8 | 4 BLOB uvarint length, bytes
 * </pre>
 *
 * <p>Slot {@code i} holds the value of the column with slot {@code i}; a row stored before a column
 * was added has fewer slots and reads that column's default. The varints are those of the change
 * codec (LEB128, zig-zag for signed).
 */
public final class RowCodec {
  static final int VERSION = 1;

  private RowCodec() {}

  /** Encodes the values of slots {@code 0 .. values.length − 1}. */
  public static byte[] encode(Value[] values) {
    byte[][] text = textOf(values);
    byte[] out = new byte[size(values, text)];
    write(values, text, out, 0);
    return out;
  }

  /**
   * The UTF-8 bytes of the text values among {@code values} (null where a value is no text, or
   * null when none is), for {@link #size} and {@link #write}: text is encoded once.
   */
  static byte[][] textOf(Value[] values) {
    byte[][] text = null;
    for (int i = 0; i < values.length; i++) {
      if (values[i] instanceof TextValue t) {
        if (text == null) {
          text = new byte[values.length][];
        }
        text[i] = t.value().getBytes(StandardCharsets.UTF_8);
      }
    }
    return text;
  }

  /** The encoded size of {@code values}, whose text is {@code text} ({@link #textOf}). */
  static int size(Value[] values, byte[][] text) {
    long size = 1 + uvarintSize(values.length);
    for (int i = 0; i < values.length; i++) {
      Value v = values[i];
      if (v instanceof IntegerValue n) {
        size += 1 + uvarintSize(zigzag(n.value()));
      } else if (v instanceof RealValue) {
        size += 9;
      } else if (v instanceof TextValue) {
        size += 1 + uvarintSize(text[i].length) + text[i].length;
      } else if (v instanceof BlobValue blob) {
        size += 1 + uvarintSize(blob.length()) + blob.length();
      } else {
        size += 1;
      }
    }
    if (size > Integer.MAX_VALUE - 16) {
      throw new IllegalArgumentException("a row of " + size + " bytes is too large to store");
    }
    return (int) size;
  }

  /**
   * Writes the encoding of {@code values} (text {@code text}, {@link #textOf}) into {@code out}
   * from {@code at}, which has room for {@link #size} bytes; returns the index after it.
   */
  static int write(Value[] values, byte[][] text, byte[] out, int at) {
    out[at++] = VERSION;
    at = uvarint(out, at, values.length);
    for (int i = 0; i < values.length; i++) {
      Value v = values[i];
      if (v instanceof NullValue) {
        out[at++] = 0;
      } else if (v instanceof IntegerValue n) {
        out[at++] = 1;
        at = uvarint(out, at, zigzag(n.value()));
      } else if (v instanceof RealValue r) {
        out[at++] = 2;
        KeyCodec.putLong(out, at, Double.doubleToRawLongBits(r.value()));
        at += 8;
      } else if (v instanceof TextValue) {
        out[at++] = 3;
        byte[] b = text[i];
        at = uvarint(out, at, b.length);
        System.arraycopy(b, 0, out, at, b.length);
        at += b.length;
      } else {
        out[at++] = 4;
        BlobValue blob = (BlobValue) v;
        at = uvarint(out, at, blob.length());
        blob.asReadOnlyBuffer().get(out, at, blob.length()); // no copy of the blob first
        at += blob.length();
      }
    }
    return at;
  }

  private static long zigzag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  private static int uvarintSize(long v) {
    int n = 1;
    while ((v & ~0x7FL) != 0) {
      v >>>= 7;
      n++;
    }
    return n;
  }

  private static int uvarint(byte[] out, int at, long v) {
    while ((v & ~0x7FL) != 0) {
      out[at++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    out[at++] = (byte) v;
    return at;
  }

  /**
   * Decodes a stored row.
   *
   * @throws StoreException naming {@code where} and the byte offset when the bytes are malformed
   */
  public static Value[] decode(byte[] bytes, String where) {
    Reader r = new Reader(bytes, where);
    int version = r.u8();
    if (version != VERSION) {
      throw r.error("unknown row version " + version);
    }
    long count = r.uvarint();
    if (count > bytes.length) {
      throw r.error("value count " + count + " exceeds the row's " + bytes.length + " bytes");
    }
    Value[] values = new Value[(int) count];
    for (int i = 0; i < count; i++) {
      int tag = r.u8();
      values[i] = switch (tag) {
        case 0 -> NullValue.INSTANCE;
        case 1 -> {
          long z = r.uvarint();
          yield new IntegerValue((z >>> 1) ^ -(z & 1));
        }
        case 2 -> new RealValue(Double.longBitsToDouble(KeyCodec.getLong(r.take(8), 0)));
        case 3 -> new TextValue(r.utf8(r.length()));
        case 4 -> new BlobValue(r.take(r.length()));
        default -> throw r.error("unknown value tag " + tag);
      };
    }
    if (r.pos != bytes.length) {
      throw r.error((bytes.length - r.pos) + " trailing bytes");
    }
    return values;
  }

  private static final class Reader {
    final byte[] b;
    final String where;
    int pos;

    Reader(byte[] b, String where) {
      this.b = b;
      this.where = where;
    }

    StoreException error(String what) {
      return new StoreException("malformed stored row " + where + " at byte " + pos + ": " + what, null);
    }

    int u8() {
      if (pos >= b.length) {
        throw error("unexpected end");
      }
      return b[pos++] & 0xFF;
    }

    long uvarint() {
      long v = 0;
      for (int shift = 0; shift < 70; shift += 7) {
        int x = u8();
        v |= (long) (x & 0x7F) << shift;
        if ((x & 0x80) == 0) {
          return v;
        }
      }
      throw error("varint longer than 10 bytes");
    }

    int length() {
      long n = uvarint();
      if (n > b.length - pos) {
        throw error("length " + n + " exceeds the " + (b.length - pos) + " bytes that remain");
      }
      return (int) n;
    }

    byte[] take(int n) {
      if (n > b.length - pos) {
        throw error(n + " bytes needed, " + (b.length - pos) + " remain");
      }
      byte[] out = new byte[n];
      System.arraycopy(b, pos, out, 0, n);
      pos += n;
      return out;
    }

    String utf8(int n) {
      // encode() wrote it from a Java string, and RocksDB checksums its blocks: no strict check here.
      String text = new String(b, pos, n, StandardCharsets.UTF_8);
      pos += n;
      return text;
    }
  }
}
