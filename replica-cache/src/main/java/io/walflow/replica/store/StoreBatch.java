package io.walflow.replica.store;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * The writes of one atomic step of the replica (a transaction with its watermark, or one part of
 * a staged snapshot), in the layout of {@link ReplicaStore}. Written with {@link
 * ReplicaStore#write}; close it afterwards.
 */
public final class StoreBatch implements AutoCloseable {
  private final ReplicaStore store;
  private final WriteBatch batch = new WriteBatch();

  StoreBatch(ReplicaStore store) {
    this.store = store;
  }

  WriteBatch batch() {
    return batch;
  }

  /** Stores a row. */
  public void putRow(long tableId, byte[] key, byte[] row) {
    run(() -> batch.put(ReplicaStore.rowKey(tableId, key), row));
  }

  /** Deletes a row. */
  public void deleteRow(long tableId, byte[] key) {
    run(() -> batch.delete(ReplicaStore.rowKey(tableId, key)));
  }

  /** Deletes every row of a table id (one range tombstone). */
  public void deleteTable(long tableId) {
    run(() -> batch.deleteRange(ReplicaStore.rowKey(tableId, new byte[0]), ReplicaStore.rowKey(tableId + 1, new byte[0])));
  }

  /** Stores a table's schema under its name. */
  public void putSchema(String db, TableSchema table) {
    run(() -> batch.put(ReplicaStore.schemaKey(db, table.name()), table.toBytes()));
  }

  /** Deletes the schema stored under {@code table}. */
  public void deleteSchema(String db, String table) {
    run(() -> batch.delete(ReplicaStore.schemaKey(db, table)));
  }

  /** Stores a database's watermark. */
  public void putWatermark(String db, long lsn, Instant committedAt) {
    byte[] v = new byte[16];
    KeyCodec.putLong(v, 0, lsn);
    KeyCodec.putLong(v, 8, ChronoUnit.MICROS.between(Instant.EPOCH, committedAt));
    run(() -> batch.put(ReplicaStore.withPrefix(ReplicaStore.WATERMARK, db), v));
  }

  /** Stores the next table id to allot. */
  public void putNextTableId(long next) {
    byte[] v = new byte[8];
    KeyCodec.putLong(v, 0, next);
    run(() -> batch.put(new byte[] {ReplicaStore.NEXT_ID}, v));
  }

  /** Records the table ids of a snapshot being staged for {@code db} (dropped if the process stops). */
  public void putStaged(String db, List<Long> tableIds) {
    byte[] v = new byte[8 * tableIds.size()];
    for (int i = 0; i < tableIds.size(); i++) {
      KeyCodec.putLong(v, 8 * i, tableIds.get(i));
    }
    run(() -> batch.put(ReplicaStore.withPrefix(ReplicaStore.STAGED, db), v));
  }

  /** Forgets the staged snapshot of {@code db} (its tables are now live, or dropped). */
  public void deleteStaged(String db) {
    run(() -> batch.delete(ReplicaStore.withPrefix(ReplicaStore.STAGED, db)));
  }

  /** Stores bucket {@code bucket}'s digest sum of table id {@code tableId}. */
  public void putDigestSum(long tableId, int bucket, long sum) {
    byte[] v = new byte[8];
    KeyCodec.putLong(v, 0, sum);
    run(() -> batch.put(ReplicaStore.digestKey(tableId, bucket), v));
  }

  /** Deletes every digest sum of table id {@code tableId}. */
  public void deleteDigestSums(long tableId) {
    run(() -> batch.deleteRange(ReplicaStore.digestKey(tableId, 0), ReplicaStore.digestKey(tableId + 1, 0)));
  }

  /** Stores what the digest of {@code db} is made of ({@code ReplicaDigests}: buckets, tables, row counts). */
  public void putDigestMeta(String db, byte[] meta) {
    run(() -> batch.put(ReplicaStore.withPrefix(ReplicaStore.DIGEST_META, db), meta));
  }

  /** Forgets the digest of {@code db} (rebuilt at its next digest entry). */
  public void deleteDigestMeta(String db) {
    run(() -> batch.delete(ReplicaStore.withPrefix(ReplicaStore.DIGEST_META, db)));
  }

  void batchPut(byte[] key, byte[] value) {
    run(() -> batch.put(key, value));
  }

  void batchDelete(byte[] key) {
    run(() -> batch.delete(key));
  }

  /** Bytes the batch holds. */
  public long size() {
    return batch.getDataSize();
  }

  /** Number of writes in the batch. */
  public int count() {
    return batch.count();
  }

  private interface Op {
    void run() throws RocksDBException;
  }

  private void run(Op op) {
    try {
      op.run();
    } catch (RocksDBException e) {
      throw new StoreException("cannot build a write batch for " + store.dir() + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    batch.close();
  }
}
