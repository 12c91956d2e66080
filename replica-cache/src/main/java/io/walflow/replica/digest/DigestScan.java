package io.walflow.replica.digest;

import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.Value;
import io.walflow.ingest.digest.RowHasher;
import io.walflow.replica.store.KeyCodec;
import io.walflow.replica.store.ReplicaStore;
import io.walflow.replica.store.RowCodec;
import io.walflow.replica.store.TableSchema;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import net.jpountz.xxhash.XXHashFactory;

/**
 * Recomputes a table's digest from the rows the replica actually stores (a local scrub), hashing
 * each row as capture does ({@link RowHasher}), and optionally collects the rows of some buckets.
 * A stored row or key that no longer decodes (damaged outside the apply path) gets a hash of its
 * raw bytes, so that its bucket differs and is repaired. Reads one consistent view of the store.
 */
public final class DigestScan {
  /** Rows read per scan call. */
  private static final int CHUNK = 4096;

  /** A stored row of a collected bucket: its stored key and its hash. */
  public record LocalRow(byte[] key, int bucket, long hash) {}

  /** The recomputed sums and row count, and the rows of the collected buckets. */
  public record Result(long[] sums, long rows, List<LocalRow> collected) {}

  private DigestScan() {}

  /** A stored row's values in declaration order (what {@link TableSchema#toRow} holds, without its map). */
  private static List<Value> values(TableSchema table, Value[] slots) {
    List<TableSchema.StoredColumn> columns = table.columns();
    Value[] out = new Value[columns.size()];
    for (int i = 0; i < out.length; i++) {
      TableSchema.StoredColumn c = columns.get(i);
      out[i] = c.slot() < slots.length ? slots[c.slot()] : c.defaultValue().orElseThrow(() -> new IllegalStateException(
          "a stored row of " + table.name() + " lacks column " + c.name() + ", which has no constant default"));
    }
    return java.util.Arrays.asList(out);
  }

  /**
   * @param collect buckets whose rows to return (empty: none)
   */
  public static Result scan(ReplicaStore store, TableSchema table, int buckets, BitSet collect) {
    long[] sums = new long[buckets];
    long[] rows = {0};
    List<LocalRow> collected = new ArrayList<>();
    int width = table.primaryKey().size();
    try (ReplicaStore.View view = store.view()) {
      Optional<byte[]> after = Optional.empty();
      byte[][] last = {null};
      boolean more = true;
      while (more) {
        more = view.scan(table.id(), after, CHUNK, (key, value) -> {
          last[0] = key;
          List<Value> k = null;
          try {
            k = table.withoutRowid() ? KeyCodec.decodeValues(key, width) : List.of(new IntegerValue(KeyCodec.rowidOf(key)));
          } catch (RuntimeException e) {
            // An undecodable key: its raw bytes place it, so that a difference shows in some bucket.
          }
          int bucket = k != null ? RowHasher.bucket(RowHasher.keyHash(k), buckets)
              : (int) Long.remainderUnsigned(XXHashFactory.fastestInstance().hash64().hash(key, 0, key.length, 1), buckets);
          long hash;
          try {
            hash = RowHasher.rowHash(k, values(table, RowCodec.decode(value, "of " + table.name())));
          } catch (RuntimeException e) {
            // An undecodable row (or key): a hash of its raw bytes makes its bucket differ.
            hash = XXHashFactory.fastestInstance().hash64().hash(value, 0, value.length, 2) ^ 0x5A5A5A5AL;
          }
          sums[bucket] += hash;
          rows[0]++;
          if (collect.get(bucket)) {
            collected.add(new LocalRow(key, bucket, hash));
          }
        });
        after = Optional.ofNullable(last[0]);
      }
    }
    return new Result(sums, rows[0], collected);
  }
}
