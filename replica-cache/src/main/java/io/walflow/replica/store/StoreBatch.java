package io.walflow.replica.store;

import io.walflow.ingest.change.Value;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;

/**
 * The writes of one atomic step of the replica (a transaction with its watermark, or one part of
 * a staged snapshot), in the layout of {@link ReplicaStore}. Written with {@link
 * ReplicaStore#write}; close it afterwards (it cannot be used after).
 *
 * <p>The batch is built in Java directly in RocksDB's serialized {@code WriteBatch} form (the
 * form {@code WriteBatch.data()} returns and {@code new WriteBatch(byte[])} takes, which is also
 * the record format of RocksDB's write-ahead log), and handed to RocksDB in one call when written:
 * one JNI crossing per batch instead of one per key, and rows encoded straight into it.
 *
 * <pre>
 *   batch  := sequence:fixed64 (0) count:fixed32 record × count      (little-endian)
 *   record := 0x01 varstring key varstring value                      a put
 *           | 0x00 varstring key                                      a delete
 *           | 0x0F varstring begin varstring end                      a range delete [begin, end)
 *   varstring := length:varint32 bytes
 * </pre>
 *
 * <p>{@code StoreBatchTest} checks these bytes against the ones RocksDB's own {@code WriteBatch}
 * builds for the same writes.
 */
public final class StoreBatch implements AutoCloseable {
  private static final int HEADER = 12;
  private static final byte PUT = 0x01;
  private static final byte DELETE = 0x00;
  private static final byte DELETE_RANGE = 0x0F;
  /** A row key's prefix: {@code 'r'} and the table id. */
  private static final int ROW_PREFIX = 9;

  private final ReplicaStore store;
  private byte[] buf = new byte[4096];
  private int size = HEADER;
  private int count;

  StoreBatch(ReplicaStore store) {
    this.store = store;
  }

  /** The serialized batch (a copy of exactly its bytes). */
  byte[] data() {
    open();
    return Arrays.copyOf(buf, size);
  }

  /** Stores a row. */
  public void putRow(long tableId, byte[] key, byte[] row) {
    open();
    record(PUT);
    rowKey(tableId, key);
    varstring(row);
  }

  /**
   * Stores a row given by slot ({@link TableSchema#toSlots}), encoded by {@link RowCodec} straight
   * into the batch.
   */
  public void putRow(long tableId, byte[] key, Value[] slots) {
    open();
    record(PUT);
    rowKey(tableId, key);
    byte[][] text = RowCodec.textOf(slots);
    int length = RowCodec.size(slots, text);
    ensure(5 + length);
    size = varint32(size, length);
    int end = RowCodec.write(slots, text, buf, size);
    if (end != size + length) {
      throw new IllegalStateException("row encoded to " + (end - size) + " bytes, sized " + length);
    }
    size = end;
  }

  /** Deletes a row. */
  public void deleteRow(long tableId, byte[] key) {
    open();
    record(DELETE);
    rowKey(tableId, key);
  }

  /** Deletes every row of a table id (one range tombstone). */
  public void deleteTable(long tableId) {
    deleteRange(ReplicaStore.rowKey(tableId, new byte[0]), ReplicaStore.rowKey(tableId + 1, new byte[0]));
  }

  /** Stores a table's schema under its name. */
  public void putSchema(String db, TableSchema table) {
    batchPut(ReplicaStore.schemaKey(db, table.name()), table.toBytes());
  }

  /** Deletes the schema stored under {@code table}. */
  public void deleteSchema(String db, String table) {
    batchDelete(ReplicaStore.schemaKey(db, table));
  }

  /** Stores a database's watermark. */
  public void putWatermark(String db, long lsn, Instant committedAt) {
    byte[] v = new byte[16];
    KeyCodec.putLong(v, 0, lsn);
    KeyCodec.putLong(v, 8, ChronoUnit.MICROS.between(Instant.EPOCH, committedAt));
    batchPut(ReplicaStore.withPrefix(ReplicaStore.WATERMARK, db), v);
  }

  /** Stores the next table id to allot. */
  public void putNextTableId(long next) {
    byte[] v = new byte[8];
    KeyCodec.putLong(v, 0, next);
    batchPut(new byte[] {ReplicaStore.NEXT_ID}, v);
  }

  /** Records the table ids of a snapshot being staged for {@code db} (dropped if the process stops). */
  public void putStaged(String db, List<Long> tableIds) {
    byte[] v = new byte[8 * tableIds.size()];
    for (int i = 0; i < tableIds.size(); i++) {
      KeyCodec.putLong(v, 8 * i, tableIds.get(i));
    }
    batchPut(ReplicaStore.withPrefix(ReplicaStore.STAGED, db), v);
  }

  /** Forgets the staged snapshot of {@code db} (its tables are now live, or dropped). */
  public void deleteStaged(String db) {
    batchDelete(ReplicaStore.withPrefix(ReplicaStore.STAGED, db));
  }

  /** Stores bucket {@code bucket}'s digest sum of table id {@code tableId}. */
  public void putDigestSum(long tableId, int bucket, long sum) {
    byte[] v = new byte[8];
    KeyCodec.putLong(v, 0, sum);
    batchPut(ReplicaStore.digestKey(tableId, bucket), v);
  }

  /** Deletes every digest sum of table id {@code tableId}. */
  public void deleteDigestSums(long tableId) {
    deleteRange(ReplicaStore.digestKey(tableId, 0), ReplicaStore.digestKey(tableId + 1, 0));
  }

  /** Stores what the digest of {@code db} is made of ({@code ReplicaDigests}: buckets, tables, row counts). */
  public void putDigestMeta(String db, byte[] meta) {
    batchPut(ReplicaStore.withPrefix(ReplicaStore.DIGEST_META, db), meta);
  }

  /** Forgets the digest of {@code db} (rebuilt at its next digest entry). */
  public void deleteDigestMeta(String db) {
    batchDelete(ReplicaStore.withPrefix(ReplicaStore.DIGEST_META, db));
  }

  void batchPut(byte[] key, byte[] value) {
    open();
    record(PUT);
    varstring(key);
    varstring(value);
  }

  void batchDelete(byte[] key) {
    open();
    record(DELETE);
    varstring(key);
  }

  private void deleteRange(byte[] begin, byte[] end) {
    open();
    record(DELETE_RANGE);
    varstring(begin);
    varstring(end);
  }

  /** Bytes the batch holds (its serialized size, header included). */
  public long size() {
    return size;
  }

  /** Number of writes in the batch. */
  public int count() {
    return count;
  }

  private void record(byte type) {
    if (count == Integer.MAX_VALUE) {
      throw new StoreException("a write batch for " + store.dir() + " cannot hold more than " + count + " writes", null);
    }
    ensure(1);
    buf[size++] = type;
    count++;
    buf[8] = (byte) count;
    buf[9] = (byte) (count >>> 8);
    buf[10] = (byte) (count >>> 16);
    buf[11] = (byte) (count >>> 24);
  }

  private void rowKey(long tableId, byte[] key) {
    ensure(5 + ROW_PREFIX + key.length);
    size = varint32(size, ROW_PREFIX + key.length);
    buf[size] = ReplicaStore.ROW;
    KeyCodec.putLong(buf, size + 1, tableId);
    System.arraycopy(key, 0, buf, size + ROW_PREFIX, key.length);
    size += ROW_PREFIX + key.length;
  }

  private void varstring(byte[] b) {
    ensure(5 + b.length);
    size = varint32(size, b.length);
    System.arraycopy(b, 0, buf, size, b.length);
    size += b.length;
  }

  private int varint32(int at, int v) {
    while ((v & ~0x7F) != 0) {
      buf[at++] = (byte) ((v & 0x7F) | 0x80);
      v >>>= 7;
    }
    buf[at++] = (byte) v;
    return at;
  }

  /** Room for {@code more} bytes after {@link #size}. */
  private void ensure(int more) {
    long need = (long) size + more;
    if (need <= buf.length) {
      return;
    }
    if (need > Integer.MAX_VALUE - 8) {
      throw new StoreException("a write batch for " + store.dir() + " cannot grow past " + size + " bytes", null);
    }
    buf = Arrays.copyOf(buf, (int) Math.min(Integer.MAX_VALUE - 8, Math.max(need, 2L * buf.length)));
  }

  private void open() {
    if (buf == null) {
      throw new IllegalStateException("write batch for " + store.dir() + " used after close");
    }
  }

  /** Releases the batch's buffer; it cannot be used after. */
  @Override
  public void close() {
    buf = null;
  }
}
