package io.walflow.ingest.digest;

import io.walflow.ingest.change.BlobValue;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.RealValue;
import io.walflow.ingest.change.RowChange;
import io.walflow.ingest.change.TextValue;
import io.walflow.ingest.change.Value;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * The hashes behind divergence digests: which bucket a row's key falls in, and the 64-bit hash
 * of a whole row. Capture and replica must compute them identically from the same logical row, so
 * they hash a canonical encoding of {@link Value}s, not any stored form:
 *
 * <pre>
 * key:  u8 count, then each value
 * row:  the key's encoding, u16 count, then each column value in declaration order, trailing NULLs left out
 * value: u8 tag (0 NULL, 1 INTEGER, 2 REAL, 3 TEXT, 4 BLOB), then INTEGER 8 bytes big-endian,
 *        REAL the 8 bytes of its IEEE-754 bits, TEXT/BLOB u32 length and the UTF-8/blob bytes
 * </pre>
 *
 * <p>Trailing NULLs are left out so that {@code ALTER TABLE ... ADD COLUMN} without a default (rows
 * read NULL there) leaves every row's hash as it was. The hash is XXH64 (lz4-java), with one seed
 * for keys and another for rows. A row's key is its rowid for a rowid table, its primary-key values
 * (in primary-key order) for a WITHOUT ROWID table.
 */
public final class RowHasher {
  private static final XXHash64 XX = XXHashFactory.fastestInstance().hash64();
  /** Seeds: "WFKEY" and "WFROW" in ASCII, so that a key and a row with the same bytes hash apart. */
  private static final long KEY_SEED = 0x5746_4B45_59L;
  private static final long ROW_SEED = 0x5746_524F_57L;

  private RowHasher() {}

  /** The key a digest files {@code change} under: its rowid, or its primary-key values. */
  public static List<Value> keyOf(RowChange change) {
    if (change.rowid().isPresent()) {
      return List.of(new IntegerValue(change.rowid().getAsLong()));
    }
    return new ArrayList<>(change.key().values());
  }

  /** The hash that places {@code key} in a bucket. */
  public static long keyHash(List<Value> key) {
    Buf b = new Buf();
    writeKey(b, key);
    return XX.hash(b.bytes, 0, b.size, KEY_SEED);
  }

  /** The bucket of a key hash among {@code buckets}. */
  public static int bucket(long keyHash, int buckets) {
    return (int) Long.remainderUnsigned(keyHash, buckets);
  }

  /** The hash of a whole row: its key and its column values in declaration order. */
  public static long rowHash(List<Value> key, Collection<Value> values) {
    Buf b = new Buf();
    writeKey(b, key);
    Value[] vs = values.toArray(new Value[0]);
    int n = vs.length;
    while (n > 0 && vs[n - 1] instanceof NullValue) {
      n--;
    }
    b.u16(n);
    for (int i = 0; i < n; i++) {
      write(b, vs[i]);
    }
    return XX.hash(b.bytes, 0, b.size, ROW_SEED);
  }

  private static void writeKey(Buf b, List<Value> key) {
    if (key.size() > 255) {
      throw new IllegalArgumentException("a key of " + key.size() + " values; at most 255");
    }
    b.u8(key.size());
    for (Value v : key) {
      write(b, v);
    }
  }

  private static void write(Buf b, Value v) {
    if (v instanceof IntegerValue i) {
      b.u8(1);
      b.u64(i.value());
    } else if (v instanceof RealValue r) {
      b.u8(2);
      b.u64(Double.doubleToLongBits(r.value()));
    } else if (v instanceof TextValue t) {
      b.u8(3);
      byte[] s = t.value().getBytes(StandardCharsets.UTF_8);
      b.u32(s.length);
      b.put(s);
    } else if (v instanceof BlobValue x) {
      b.u8(4);
      byte[] s = x.value();
      b.u32(s.length);
      b.put(s);
    } else {
      b.u8(0);
    }
  }

  /** A growable byte buffer (one per hash: hashing runs on several threads). */
  private static final class Buf {
    byte[] bytes = new byte[64];
    int size;

    void ensure(int more) {
      if (size + more > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
      }
    }

    void u8(int v) {
      ensure(1);
      bytes[size++] = (byte) v;
    }

    void u16(int v) {
      ensure(2);
      bytes[size++] = (byte) (v >>> 8);
      bytes[size++] = (byte) v;
    }

    void u32(int v) {
      ensure(4);
      for (int s = 24; s >= 0; s -= 8) {
        bytes[size++] = (byte) (v >>> s);
      }
    }

    void u64(long v) {
      ensure(8);
      for (int s = 56; s >= 0; s -= 8) {
        bytes[size++] = (byte) (v >>> s);
      }
    }

    void put(byte[] b) {
      ensure(b.length);
      System.arraycopy(b, 0, bytes, size, b.length);
      size += b.length;
    }
  }
}
