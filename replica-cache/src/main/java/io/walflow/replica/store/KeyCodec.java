package io.walflow.replica.store;

import io.walflow.ingest.change.BlobValue;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.RealValue;
import io.walflow.ingest.change.TextValue;
import io.walflow.ingest.change.Value;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Order-preserving encoding of row keys: comparing two encoded keys byte by byte (unsigned, as
 * RocksDB's default comparator does) gives the order SQLite gives their values.
 *
 * <p>Rowid tables are keyed by the rowid alone: 8 bytes, big-endian, sign bit flipped. WITHOUT
 * ROWID tables are keyed by their primary-key values in primary-key order, each as:
 *
 * <pre>
 *   0x10                                  NULL
 *   0x20 double:8 exact:8                 INTEGER and REAL, by numeric value
 *   0x30 escaped-bytes 0x00 0x01          TEXT (UTF-8 bytes, BINARY collation)
 *   0x40 escaped-bytes 0x00 0x01          BLOB
 * </pre>
 *
 * <p>Numbers: {@code double} is the value rounded to the nearest double in a sortable form
 * (positive: sign bit flipped; negative: all bits flipped; {@code -0.0} as {@code 0.0}); {@code
 * exact} is the signed difference between an integer and that double (0 for a real), sign bit
 * flipped, so that integers above 2^53 and reals equal to their rounding still sort exactly.
 * Escaping: a 0x00 byte inside text or a blob is written 0x00 0xFF, so the terminator 0x00 0x01
 * sorts below any continuation and a prefix sorts first. NULL sorts before numbers, numbers before
 * text, text before blobs, as in SQLite. Text compares as UTF-8 bytes (BINARY collation of a UTF-8
 * database); other collations are not reproduced.
 */
public final class KeyCodec {
  static final int NULL_TAG = 0x10;
  static final int NUMBER_TAG = 0x20;
  static final int TEXT_TAG = 0x30;
  static final int BLOB_TAG = 0x40;
  private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
  private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

  private KeyCodec() {}

  /** The key of a row of a rowid table. */
  public static byte[] rowid(long rowid) {
    byte[] b = new byte[8];
    putLong(b, 0, rowid ^ Long.MIN_VALUE);
    return b;
  }

  /** The rowid encoded by {@link #rowid(long)}. */
  public static long rowidOf(byte[] key) {
    if (key.length != 8) {
      throw new IllegalArgumentException("a rowid key has 8 bytes, not " + key.length);
    }
    return getLong(key, 0) ^ Long.MIN_VALUE;
  }

  /** The key of a row of a WITHOUT ROWID table: its primary-key values in primary-key order. */
  public static byte[] values(List<Value> values) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * values.size());
    for (Value v : values) {
      write(out, v);
    }
    return out.toByteArray();
  }

  private static void write(ByteArrayOutputStream out, Value v) {
    if (v instanceof NullValue) {
      out.write(NULL_TAG);
    } else if (v instanceof IntegerValue i) {
      double d = i.value();
      out.write(NUMBER_TAG);
      out.writeBytes(sortableDouble(d));
      out.writeBytes(rowid(difference(i.value(), d)));
    } else if (v instanceof RealValue r) {
      out.write(NUMBER_TAG);
      out.writeBytes(sortableDouble(r.value()));
      out.writeBytes(rowid(0));
    } else if (v instanceof TextValue t) {
      out.write(TEXT_TAG);
      escaped(out, t.value().getBytes(StandardCharsets.UTF_8));
    } else {
      out.write(BLOB_TAG);
      escaped(out, ((BlobValue) v).value());
    }
  }

  /** {@code i − d} exactly; at most 2^10 in magnitude since {@code d} is {@code i} rounded. */
  private static long difference(long i, double d) {
    if (Math.abs(d) < 0x1p62) {
      return i - (long) d;
    }
    BigDecimal diff = BigDecimal.valueOf(i).subtract(new BigDecimal(d));
    if (diff.compareTo(LONG_MIN) < 0 || diff.compareTo(LONG_MAX) > 0) {
      throw new IllegalStateException("rounding difference out of range for " + i);
    }
    return diff.longValueExact();
  }

  private static byte[] sortableDouble(double d) {
    if (d == 0.0) {
      d = 0.0; // -0.0 equals 0.0 in SQLite
    }
    long bits = Double.doubleToLongBits(d);
    bits = bits < 0 ? ~bits : bits ^ Long.MIN_VALUE;
    byte[] b = new byte[8];
    putLong(b, 0, bits);
    return b;
  }

  private static void escaped(ByteArrayOutputStream out, byte[] bytes) {
    for (byte b : bytes) {
      out.write(b);
      if (b == 0) {
        out.write(0xFF);
      }
    }
    out.write(0x00);
    out.write(0x01);
  }

  /**
   * The values of a WITHOUT ROWID key (the inverse of {@link #values}, as far as the encoding
   * tells): a number whose value is integral is read as an integer (SQLite compares {@code 2} and
   * {@code 2.0} as the same key, and the encoding does not keep which one it was).
   *
   * @throws IllegalArgumentException if {@code key} is not a well-formed key of {@code columns} values
   */
  public static List<Value> decodeValues(byte[] key, int columns) {
    check(key, columns);
    List<Value> out = new java.util.ArrayList<>(columns);
    int pos = 0;
    for (int c = 0; c < columns; c++) {
      int tag = key[pos++] & 0xFF;
      switch (tag) {
        case NULL_TAG -> out.add(Value.ofNull());
        case NUMBER_TAG -> {
          long stored = getLong(key, pos);
          double d = Double.longBitsToDouble(stored < 0 ? stored ^ Long.MIN_VALUE : ~stored);
          long diff = getLong(key, pos + 8) ^ Long.MIN_VALUE;
          pos += 16;
          if (diff != 0 || (d == Math.rint(d) && Math.abs(d) <= 0x1p63)) {
            out.add(Value.of(new BigDecimal(d).add(BigDecimal.valueOf(diff)).longValue()));
          } else {
            out.add(Value.of(d));
          }
        }
        default -> {
          ByteArrayOutputStream b = new ByteArrayOutputStream();
          while (true) {
            if (key[pos] == 0) {
              int next = key[pos + 1] & 0xFF;
              pos += 2;
              if (next == 0x01) {
                break;
              }
              b.write(0);
            } else {
              b.write(key[pos++]);
            }
          }
          out.add(tag == TEXT_TAG ? Value.of(new String(b.toByteArray(), StandardCharsets.UTF_8)) : Value.of(b.toByteArray()));
        }
      }
    }
    return out;
  }

  /**
   * Checks that {@code key} is a well-formed key of {@code columns} primary-key values (or a rowid
   * key when {@code columns} is 0).
   *
   * @throws IllegalArgumentException naming the byte offset and what was expected
   */
  public static void check(byte[] key, int columns) {
    if (columns == 0) {
      if (key.length != 8) {
        throw new IllegalArgumentException("a rowid key has 8 bytes, not " + key.length);
      }
      return;
    }
    int pos = 0;
    for (int c = 0; c < columns; c++) {
      if (pos >= key.length) {
        throw new IllegalArgumentException("key ends at byte " + pos + " before value " + (c + 1) + " of " + columns);
      }
      int tag = key[pos++] & 0xFF;
      switch (tag) {
        case NULL_TAG -> { }
        case NUMBER_TAG -> {
          if (key.length - pos < 16) {
            throw new IllegalArgumentException("number at byte " + (pos - 1) + " needs 16 bytes, " + (key.length - pos) + " remain");
          }
          pos += 16;
        }
        case TEXT_TAG, BLOB_TAG -> {
          while (true) {
            if (key.length - pos < 2) {
              throw new IllegalArgumentException("unterminated text or blob in key at byte " + pos);
            }
            if (key[pos] == 0) {
              int next = key[pos + 1] & 0xFF;
              pos += 2;
              if (next == 0x01) {
                break;
              }
              if (next != 0xFF) {
                throw new IllegalArgumentException("bad escape 0x00 0x" + Integer.toHexString(next) + " in key at byte " + (pos - 2));
              }
            } else {
              pos++;
            }
          }
        }
        default -> throw new IllegalArgumentException("unknown value tag 0x" + Integer.toHexString(tag) + " in key at byte " + (pos - 1));
      }
    }
    if (pos != key.length) {
      throw new IllegalArgumentException((key.length - pos) + " trailing bytes after " + columns + " key values");
    }
  }

  static void putLong(byte[] b, int at, long v) {
    for (int i = 7; i >= 0; i--) {
      b[at + i] = (byte) v;
      v >>>= 8;
    }
  }

  static long getLong(byte[] b, int at) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[at + i] & 0xFF);
    }
    return v;
  }
}
