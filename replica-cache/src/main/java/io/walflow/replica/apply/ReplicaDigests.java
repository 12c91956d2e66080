package io.walflow.replica.apply;

import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.digest.DatabaseDigest;
import io.walflow.ingest.digest.TableDigest;
import io.walflow.replica.digest.DigestScan;
import io.walflow.replica.store.ReplicaStore;
import io.walflow.replica.store.StoreBatch;
import io.walflow.replica.store.TableSchema;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The replica's own divergence digest of each database, maintained in the same {@link StoreBatch}
 * as each transaction's rows and watermark ({@link #onCommit}), so that after a crash it is the
 * digest of exactly the rows stored. It follows the changes' before and after images (as
 * capture's does), never rescanning, except to build it: a database gets a digest at its first
 * digest entry after it was loaded from a snapshot, by a scan of its stored rows.
 *
 * <p>Stored as {@code 'g' tableId bucket → sum} (8 bytes each) and {@code 'G' db →} the bucket
 * count and, per table, its id, whether it is verified and its row count. Called from the apply
 * thread only.
 */
final class ReplicaDigests {
  private final ReplicaStore store;
  private final Map<String, DatabaseDigest> digests = new HashMap<>();

  ReplicaDigests(ReplicaStore store, Map<String, DatabaseReplica> databases) {
    this.store = store;
    databases.forEach((db, d) -> load(db, d.tables()).ifPresent(x -> digests.put(db, x)));
  }

  private Optional<DatabaseDigest> load(String db, Map<String, TableSchema> tables) {
    Optional<byte[]> meta = store.digestMeta(db);
    if (meta.isEmpty()) {
      return Optional.empty();
    }
    ByteBuffer b = ByteBuffer.wrap(meta.get());
    DatabaseDigest d = new DatabaseDigest(b.getInt());
    int n = b.getInt();
    Map<Long, TableSchema> byId = new HashMap<>();
    tables.values().forEach(t -> byId.put(t.id(), t));
    for (int i = 0; i < n; i++) {
      long id = b.getLong();
      boolean verified = b.get() == 1;
      long rows = b.getLong();
      TableSchema t = byId.get(id);
      if (t == null) {
        return Optional.empty(); // stale (a write failed after it was forgotten): built again when next compared
      }
      d.put(t.name(), TableDigest.of(columns(t), verified ? store.digestSums(id, d.buckets()) : new long[0], rows, verified));
    }
    return Optional.of(d);
  }

  /** The digest of {@code db}, when it has one. */
  Optional<DatabaseDigest> get(String db) {
    return Optional.ofNullable(digests.get(db));
  }

  /**
   * Follows a transaction: updates the digest and puts its moved buckets and description into
   * {@code batch} (which also holds the transaction's rows and watermark).
   */
  void onCommit(String db, ChangeSet changes, Map<String, TableSchema> before, Map<String, TableSchema> after,
      StoreBatch batch) {
    DatabaseDigest d = digests.get(db);
    if (d == null) {
      return;
    }
    Map<String, BitSet> moved = new HashMap<>();
    Set<String> wasVerified = new HashSet<>();
    d.tables().forEach((n, t) -> {
      if (t.verified()) {
        wasVerified.add(n);
      }
    });
    d.apply(changes, (table, t, bucket) -> moved.computeIfAbsent(table, x -> new BitSet()).set(bucket));
    Set<Long> live = new HashSet<>();
    after.values().forEach(t -> live.add(t.id()));
    for (TableSchema t : before.values()) {
      if (!live.contains(t.id())) {
        batch.deleteDigestSums(t.id());
      }
    }
    for (var e : d.tables().entrySet()) {
      TableSchema t = after.get(e.getKey());
      if (t != null && !e.getValue().verified() && wasVerified.contains(e.getKey())) {
        batch.deleteDigestSums(t.id());
      }
    }
    moved.forEach((table, buckets) -> {
      TableSchema t = after.get(table);
      TableDigest td = d.tables().get(table);
      if (t != null && td != null) {
        buckets.stream().forEach(b -> batch.putDigestSum(t.id(), b, td.sum(b)));
      }
    });
    batch.putDigestMeta(db, meta(d, after));
  }

  /** Forgets the digest of {@code db} (a snapshot replaced it, or a write failed): built again when next needed. */
  void forget(String db, Optional<StoreBatch> batch, Iterable<TableSchema> tables) {
    digests.remove(db);
    batch.ifPresent(b -> {
      b.deleteDigestMeta(db);
      tables.forEach(t -> b.deleteDigestSums(t.id()));
    });
  }

  /**
   * Builds the digest of {@code db} with {@code buckets} buckets from its stored rows (a full
   * scan) and stores it; returns it.
   */
  DatabaseDigest build(String db, Map<String, TableSchema> tables, int buckets) {
    DatabaseDigest d = new DatabaseDigest(buckets);
    try (StoreBatch batch = store.batch()) {
      for (TableSchema t : tables.values()) {
        DigestScan.Result r = DigestScan.scan(store, t, buckets, new BitSet());
        d.put(t.name(), TableDigest.of(columns(t), r.sums(), r.rows(), true));
        batch.deleteDigestSums(t.id());
        for (int b = 0; b < buckets; b++) {
          if (r.sums()[b] != 0) {
            batch.putDigestSum(t.id(), b, r.sums()[b]);
          }
        }
      }
      batch.putDigestMeta(db, meta(d, tables));
      store.write(batch);
    }
    digests.put(db, d);
    return d;
  }

  /** Writes the description of {@code d} into {@code batch} (after a repair changed row counts). */
  void putMeta(String db, Map<String, TableSchema> tables, StoreBatch batch) {
    DatabaseDigest d = digests.get(db);
    if (d != null) {
      batch.putDigestMeta(db, meta(d, tables));
    }
  }

  static List<String> columns(TableSchema t) {
    return t.columns().stream().map(TableSchema.StoredColumn::name).toList();
  }

  private static byte[] meta(DatabaseDigest d, Map<String, TableSchema> tables) {
    ByteBuffer b = ByteBuffer.allocate(8 + 17 * d.tables().size());
    b.putInt(d.buckets());
    int at = b.position();
    b.putInt(0);
    int n = 0;
    for (var e : d.tables().entrySet()) {
      TableSchema t = tables.get(e.getKey());
      if (t == null) {
        continue;
      }
      b.putLong(t.id()).put((byte) (e.getValue().verified() ? 1 : 0)).putLong(e.getValue().rows());
      n++;
    }
    b.putInt(at, n);
    byte[] out = new byte[b.position()];
    System.arraycopy(b.array(), 0, out, 0, out.length);
    return out;
  }
}
