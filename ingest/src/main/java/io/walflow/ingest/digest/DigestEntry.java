package io.walflow.ingest.digest;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of one digest log entry (entry type 3, {@code docs/log-format.md} section 11): one
 * table's bucket sums at an LSN, with what a replica needs to know whether it may compare them.
 * The digest of a database at an LSN is {@code tableCount} such entries (index 0 ..
 * tableCount − 1), one per table, so that an entry stays within one log document whatever the
 * number of tables. Layout, big-endian:
 *
 * <pre>
 *  u8   body version (1)
 *  u16  database name length, name (UTF-8; equals the entry header's)
 *  u64  schema fingerprint ({@link DatabaseDigest#fingerprint})
 *  u32  bucket count B (per table)
 *  u32  table count T, u32 table index (0 .. T-1)
 *  u16  table name length, name (UTF-8)
 *  u8   1 verified, 0 unverified
 *  u64  row count
 *  B x u64 bucket sums (verified only)
 * </pre>
 *
 * @param sums the bucket sums; empty when unverified
 */
public record DigestEntry(String db, long fingerprint, int buckets, int tableCount, int tableIndex, String table,
    boolean verified, long rows, long[] sums) {
  public static final byte BODY_VERSION = 1;

  /** The entries describing {@code digest} of database {@code db}, one per table, in name order. */
  public static List<DigestEntry> of(String db, DatabaseDigest digest) {
    long fp = digest.fingerprint();
    List<DigestEntry> out = new ArrayList<>();
    int i = 0;
    int n = digest.tables().size();
    for (var e : digest.tables().entrySet()) {
      TableDigest t = e.getValue();
      long[] sums = new long[t.buckets()];
      for (int b = 0; b < sums.length; b++) {
        sums[b] = t.sum(b);
      }
      out.add(new DigestEntry(db, fp, digest.buckets(), n, i++, e.getKey(), t.verified(), t.rows(), sums));
    }
    return out;
  }

  /** The body bytes. */
  public byte[] encode() {
    byte[] name = db.getBytes(StandardCharsets.UTF_8);
    byte[] tname = table.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(1 + 2 + name.length + 8 + 4 + 8 + 2 + tname.length + 1 + 8 + 8 * sums.length);
    b.put(BODY_VERSION).putShort((short) name.length).put(name).putLong(fingerprint).putInt(buckets)
        .putInt(tableCount).putInt(tableIndex).putShort((short) tname.length).put(tname)
        .put((byte) (verified ? 1 : 0)).putLong(rows);
    for (long s : sums) {
      b.putLong(s);
    }
    return b.array();
  }

  /**
   * Reads a body, checking every length and count.
   *
   * @param where the entry's position, for messages
   * @throws DigestFormatException naming what is wrong and at which offset of the body
   */
  public static DigestEntry decode(byte[] body, String where) {
    ByteBuffer b = ByteBuffer.wrap(body);
    try {
      byte version = b.get();
      if (version != BODY_VERSION) {
        throw new DigestFormatException(where + ": digest body version " + version + ", this reader knows " + BODY_VERSION);
      }
      String db = string(b, where, "database name");
      long fp = b.getLong();
      int buckets = b.getInt();
      int count = b.getInt();
      int index = b.getInt();
      if (buckets < 1 || count < 1 || index < 0 || index >= count) {
        throw new DigestFormatException(where + ": digest of " + buckets + " buckets, table " + index + " of " + count
            + " (expected buckets >= 1 and 0 <= index < count)");
      }
      String table = string(b, where, "table name");
      int state = b.get();
      if (state != 0 && state != 1) {
        throw new DigestFormatException(where + ": table state " + state + " at body offset " + (b.position() - 1)
            + ", expected 0 or 1");
      }
      long rows = b.getLong();
      int n = state == 1 ? buckets : 0;
      if ((long) n * 8 != b.remaining()) {
        throw new DigestFormatException(where + ": " + b.remaining() + " bytes of bucket sums after body offset "
            + b.position() + ", expected " + (long) n * 8);
      }
      long[] sums = new long[n];
      b.asLongBuffer().get(sums);
      return new DigestEntry(db, fp, buckets, count, index, table, state == 1, rows, sums);
    } catch (java.nio.BufferUnderflowException e) {
      throw new DigestFormatException(where + ": digest body of " + body.length + " bytes ends early");
    }
  }

  private static String string(ByteBuffer b, String where, String what) {
    int len = b.getShort() & 0xffff;
    if (len < 1 || len > b.remaining()) {
      throw new DigestFormatException(where + ": " + what + " length " + len + " at body offset " + (b.position() - 2));
    }
    byte[] s = new byte[len];
    b.get(s);
    return new String(s, StandardCharsets.UTF_8);
  }
}
