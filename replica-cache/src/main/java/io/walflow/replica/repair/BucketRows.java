package io.walflow.replica.repair;

import io.walflow.ingest.log.ShortUtf8;
import io.walflow.ingest.change.BlobValue;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.RealValue;
import io.walflow.ingest.change.TextValue;
import io.walflow.ingest.change.Value;
import io.walflow.ingest.digest.RowHasher;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The rows of some digest buckets of one table at one LSN, as the capture node serves them for
 * divergence repair ({@code GET /v1/log/{db}/buckets/{table}}, docs/log-format.md section 12),
 * and the codec of that answer ({@code application/x-walflow-bucket-rows}). Big-endian:
 *
 * <pre>
 *  u32 magic 0x57464231 ("WFB1"), u8 version 1
 *  u16 database name length, name; u16 table name length, name (UTF-8)
 *  u64 LSN; u32 bucket count B (the modulus); u32 n, then the n bucket ids (ascending) as varints of
 *      their differences (the first from -1)
 *  u8  key width K; u16 column count C, C x (u16 length, name)
 *  u32 row count R; R x (K values, then varint m and m values: the row's columns in declaration order)
 *  u32 CRC-32C of every byte before it
 *  value: u8 tag, then 0 NULL: nothing; 1 INTEGER: zig-zag varint; 2 REAL: 8 bytes of IEEE-754 bits;
 *         3 TEXT, 4 BLOB: varint length and the bytes (varints: unsigned LEB128)
 * </pre>
 *
 * @param keys per row its key (the rowid, or the primary-key values)
 * @param rows per row its column values in declaration order
 */
public record BucketRows(String db, String table, long lsn, int buckets, int[] ids, int keyWidth,
    List<String> columns, List<List<Value>> keys, List<List<Value>> rows) {
  public static final String CONTENT_TYPE = "application/x-walflow-bucket-rows";
  private static final int MAGIC = 0x57464231;
  private static final byte VERSION = 1;

  /** The answer's bytes. */
  public byte[] encode() {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(MAGIC);
      out.writeByte(VERSION);
      ShortUtf8.write(out, db);
      ShortUtf8.write(out, table);
      out.writeLong(lsn);
      out.writeInt(buckets);
      out.writeInt(ids.length);
      int prev = -1;
      for (int id : ids) {
        uvarint(out, id - prev);
        prev = id;
      }
      out.writeByte(keyWidth);
      out.writeShort(columns.size());
      for (String c : columns) {
        ShortUtf8.write(out, c);
      }
      out.writeInt(rows.size());
      for (int i = 0; i < rows.size(); i++) {
        for (Value v : keys.get(i)) {
          value(out, v);
        }
        uvarint(out, rows.get(i).size());
        for (Value v : rows.get(i)) {
          value(out, v);
        }
      }
      out.flush();
      CRC32C crc = new CRC32C();
      crc.update(bytes.toByteArray());
      out.writeInt((int) crc.getValue());
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Reads an answer, checking its CRC first, then every length, and that every row's key lies in
   * one of the answer's buckets.
   *
   * @throws RepairException naming {@code where} and what is wrong ("nothing applied")
   */
  public static BucketRows decode(byte[] body, String where) {
    if (body.length < 8) {
      throw bad(where, body.length + " bytes, too short for bucket rows");
    }
    ByteBuffer b = ByteBuffer.wrap(body);
    CRC32C crc = new CRC32C();
    crc.update(body, 0, body.length - 4);
    int stored = b.getInt(body.length - 4);
    if (stored != (int) crc.getValue()) {
      throw bad(where, String.format("CRC-32C stored %08x, computed %08x over %d bytes", stored, (int) crc.getValue(),
          body.length - 4));
    }
    b.limit(body.length - 4);
    try {
      if (b.getInt() != MAGIC || b.get() != VERSION) {
        throw bad(where, "not bucket rows of version " + VERSION + " (magic or version)");
      }
      String db = ShortUtf8.read(b);
      String table = ShortUtf8.read(b);
      long lsn = b.getLong();
      int buckets = b.getInt();
      int n = b.getInt();
      if (buckets < 1 || n < 0 || n > buckets || n > b.remaining()) {
        throw bad(where, n + " bucket ids of " + buckets);
      }
      int[] ids = new int[n];
      java.util.BitSet asked = new java.util.BitSet();
      long prev = -1;
      for (int i = 0; i < n; i++) {
        long id = prev + uvarint(b, where);
        if (id <= prev || id >= buckets) {
          throw bad(where, "bucket id " + id + " at position " + i + " (ids ascend in 0.." + (buckets - 1) + ")");
        }
        ids[i] = (int) id;
        prev = id;
        asked.set(ids[i]);
      }
      int keyWidth = b.get() & 0xff;
      int nc = b.getShort() & 0xffff;
      List<String> columns = new ArrayList<>(nc);
      for (int i = 0; i < nc; i++) {
        columns.add(ShortUtf8.read(b));
      }
      int count = b.getInt();
      if (count < 0 || count > b.remaining()) {
        throw bad(where, "row count " + count + " with " + b.remaining() + " bytes left");
      }
      List<List<Value>> keys = new ArrayList<>(count);
      List<List<Value>> rows = new ArrayList<>(count);
      for (int r = 0; r < count; r++) {
        List<Value> key = new ArrayList<>(keyWidth);
        for (int i = 0; i < keyWidth; i++) {
          key.add(value(b, where));
        }
        long m = uvarint(b, where);
        if (m > b.remaining()) {
          throw bad(where, "row " + r + " has " + m + " values with " + b.remaining() + " bytes left");
        }
        List<Value> row = new ArrayList<>((int) m);
        for (int i = 0; i < m; i++) {
          row.add(value(b, where));
        }
        if (!asked.get(RowHasher.bucket(RowHasher.keyHash(key), buckets))) {
          throw bad(where, "row " + r + " with key " + key + " lies in no bucket of the answer");
        }
        keys.add(key);
        rows.add(row);
      }
      if (b.hasRemaining()) {
        throw bad(where, b.remaining() + " bytes after the last row");
      }
      return new BucketRows(db, table, lsn, buckets, ids, keyWidth, columns, keys, rows);
    } catch (BufferUnderflowException e) {
      throw bad(where, "the answer ends early");
    }
  }

  private static RepairException bad(String where, String what) {
    return new RepairException("bucket rows from " + where + ": " + what + "; nothing applied", null);
  }

  /** Bucket ids as a query parameter: base64url (no padding) of the ascending ids as unsigned varint deltas. */
  public static String encodeIds(int[] ids) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int prev = -1;
    for (int id : ids) {
      int d = id - prev;
      prev = id;
      while ((d & ~0x7f) != 0) {
        out.write((d & 0x7f) | 0x80);
        d >>>= 7;
      }
      out.write(d);
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(out.toByteArray());
  }

  /**
   * Reads {@link #encodeIds}.
   *
   * @throws IllegalArgumentException when it is not base64url of ascending ids below {@code buckets}
   */
  public static int[] decodeIds(String s, int buckets) {
    byte[] b = Base64.getUrlDecoder().decode(s);
    List<Integer> ids = new ArrayList<>();
    int prev = -1;
    int i = 0;
    while (i < b.length) {
      int d = 0;
      int shift = 0;
      while (true) {
        if (i >= b.length || shift > 28) {
          throw new IllegalArgumentException("parameter 'ids' ends inside a number");
        }
        int x = b[i++] & 0xff;
        d |= (x & 0x7f) << shift;
        shift += 7;
        if ((x & 0x80) == 0) {
          break;
        }
      }
      if (d < 1 || (long) prev + d >= buckets) {
        throw new IllegalArgumentException("parameter 'ids': bucket " + ((long) prev + d) + " is not above the previous one and below " + buckets);
      }
      prev += d;
      ids.add(prev);
    }
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }

  private static void uvarint(DataOutputStream out, long v) throws IOException {
    while ((v & ~0x7fL) != 0) {
      out.writeByte((int) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    out.writeByte((int) v);
  }

  private static long uvarint(ByteBuffer b, String where) {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int x = b.get() & 0xff;
      v |= (long) (x & 0x7f) << shift;
      if ((x & 0x80) == 0) {
        return v;
      }
    }
    throw bad(where, "a varint longer than 10 bytes before byte " + b.position());
  }



  private static void value(DataOutputStream out, Value v) throws IOException {
    if (v instanceof IntegerValue i) {
      out.writeByte(1);
      uvarint(out, (i.value() << 1) ^ (i.value() >> 63));
    } else if (v instanceof RealValue r) {
      out.writeByte(2);
      out.writeLong(Double.doubleToRawLongBits(r.value()));
    } else if (v instanceof TextValue t) {
      byte[] s = t.value().getBytes(StandardCharsets.UTF_8);
      out.writeByte(3);
      uvarint(out, s.length);
      out.write(s);
    } else if (v instanceof BlobValue x) {
      out.writeByte(4);
      uvarint(out, x.length());
      out.write(x.value());
    } else {
      out.writeByte(0);
    }
  }

  private static Value value(ByteBuffer b, String where) {
    int tag = b.get();
    switch (tag) {
      case 0:
        return Value.ofNull();
      case 1: {
        long z = uvarint(b, where);
        return Value.of((z >>> 1) ^ -(z & 1));
      }
      case 2:
        return Value.of(Double.longBitsToDouble(b.getLong()));
      case 3:
      case 4: {
        long len = uvarint(b, where);
        if (len > b.remaining()) {
          throw bad(where, "value length " + len + " before byte " + b.position() + " with " + b.remaining() + " left");
        }
        byte[] s = new byte[(int) len];
        b.get(s);
        return tag == 3 ? Value.of(new String(s, StandardCharsets.UTF_8)) : Value.of(s);
      }
      default:
        throw bad(where, "value tag " + tag + " at byte " + (b.position() - 1) + ", expected 0..4");
    }
  }
}
