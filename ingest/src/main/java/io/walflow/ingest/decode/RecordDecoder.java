package io.walflow.ingest.decode;

import io.walflow.ingest.change.BlobValue;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.RealValue;
import io.walflow.ingest.change.TextValue;
import io.walflow.ingest.change.Value;
import java.util.Arrays;

/**
 * SQLite's record format: a header (its own size as a varint, then one serial type per field)
 * followed by the field bodies.
 *
 * <pre>
 * serial type  body bytes  value
 *   0            0         NULL
 *   1..4         1,2,3,4   big-endian two's-complement integer
 *   5            6         48-bit integer
 *   6            8         64-bit integer
 *   7            8         IEEE-754 big-endian double
 *   8, 9         0         the integers 0 and 1 (schema format 4)
 *   10, 11       -         reserved: never valid in a database file
 *   N≥12 even    (N−12)/2  BLOB
 *   N≥13 odd     (N−13)/2  TEXT in the database encoding
 * </pre>
 *
 * <p>Lengths come from the file, so each is checked against the bytes that remain before use: a
 * header that promises more than the payload holds is corruption, not an allocation.
 */
final class RecordDecoder {
  private static final long[] INT_SIZES = {0, 1, 2, 3, 4, 6, 8};

  private RecordDecoder() {}

  /**
   * Decodes every field of {@code record}.
   *
   * @param pgno page of the cell the record came from (for errors)
   * @param cellOffset offset of that cell (for errors)
   * @throws CorruptPageException if the header or a body does not fit the record
   */
  static Value[] decode(byte[] record, TextEncoding enc, int pgno, int cellOffset) {
    Cursor c = new Cursor(record, pgno, cellOffset);
    long headerSize = c.varint(0);
    if (headerSize < c.len || headerSize > record.length) {
      throw c.corrupt("a record header size between " + c.len + " and " + record.length + ", found " + headerSize);
    }
    int hs = (int) headerSize;
    // Each serial type takes at least one header byte: never more fields than header bytes.
    Value[] values = new Value[Math.max(0, hs - c.len)];
    int n = 0;
    int typePos = c.len;
    int body = hs;
    while (typePos < hs) {
      long type = c.varint(typePos);
      typePos += c.len;
      if (typePos > hs) {
        throw c.corrupt("serial type " + n + " inside the " + hs + "-byte header");
      }
      long size = bodySize(type, c);
      if (size > record.length - body) {
        throw c.corrupt("field " + n + " of " + size + " bytes at record byte " + body
            + " inside the " + record.length + "-byte record");
      }
      values[n++] = value(type, record, body, (int) size, enc);
      body += (int) size;
    }
    return n == values.length ? values : Arrays.copyOf(values, n);
  }

  private static long bodySize(long type, Cursor c) {
    if (type >= 0 && type <= 6) {
      return INT_SIZES[(int) type];
    } else if (type == 7) {
      return 8;
    } else if (type == 8 || type == 9) {
      return 0;
    } else if (type == 10 || type == 11 || type < 0) {
      throw c.corrupt("a valid serial type, found " + Long.toUnsignedString(type));
    }
    return type % 2 == 0 ? (type - 12) / 2 : (type - 13) / 2;
  }

  private static Value value(long type, byte[] r, int at, int size, TextEncoding enc) {
    if (type == 0) {
      return NullValue.INSTANCE;
    } else if (type <= 6) {
      long v = r[at]; // sign-extends the first byte
      for (int i = 1; i < size; i++) {
        v = (v << 8) | (r[at + i] & 0xff);
      }
      return new IntegerValue(v);
    } else if (type == 7) {
      long bits = 0;
      for (int i = 0; i < 8; i++) {
        bits = (bits << 8) | (r[at + i] & 0xff);
      }
      return new RealValue(Double.longBitsToDouble(bits));
    } else if (type == 8 || type == 9) {
      return new IntegerValue(type - 8);
    } else if (type % 2 == 0) {
      return new BlobValue(Arrays.copyOfRange(r, at, at + size));
    }
    return new TextValue(enc.decode(r, at, size));
  }

  /** Reads SQLite varints from the record, remembering the last one's length. */
  private static final class Cursor {
    private final byte[] r;
    private final int pgno;
    private final int cellOffset;
    int len;

    Cursor(byte[] r, int pgno, int cellOffset) {
      this.r = r;
      this.pgno = pgno;
      this.cellOffset = cellOffset;
    }

    long varint(int at) {
      long v = 0;
      for (int i = 0; i < 9; i++) {
        if (at + i >= r.length) {
          throw corrupt("a varint at record byte " + at + " inside the " + r.length + "-byte record");
        }
        int b = r[at + i] & 0xff;
        if (i == 8) {
          len = 9;
          return (v << 8) | b;
        }
        v = (v << 7) | (b & 0x7f);
        if ((b & 0x80) == 0) {
          len = i + 1;
          return v;
        }
      }
      throw new IllegalStateException("unreachable");
    }

    CorruptPageException corrupt(String expected) {
      return new CorruptPageException(pgno, cellOffset, "record of the cell: " + expected);
    }
  }
}
