package io.walflow.replica.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walflow.ingest.change.Value;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * The batch StoreBatch serializes in Java is byte for byte the one RocksDB's own WriteBatch builds
 * for the same writes (RocksDB is the oracle), and it writes what it says.
 */
class StoreBatchTest {
  @TempDir Path dir;

  /** A write to RocksDB's own WriteBatch. */
  private interface OracleWrite {
    void to(WriteBatch oracle) throws RocksDBException;
  }

  /** One write, done both ways: to a StoreBatch and, with the same keys and values, to a RocksDB WriteBatch. */
  private record Write(Consumer<StoreBatch> batch, OracleWrite oracle) {}

  private static Value randomValue(Random r) {
    return switch (r.nextInt(6)) {
      case 0 -> Value.ofNull();
      case 1 -> Value.of((long) r.nextInt(300) - 150);
      case 2 -> Value.of(r.nextLong());
      case 3 -> Value.of((r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(40) - 10));
      case 4 -> {
        StringBuilder s = new StringBuilder();
        for (int i = r.nextInt(r.nextInt(8) == 0 ? 20_000 : 40); i > 0; i--) {
          s.append("a\u00e9\u0000\uD83D\uDE00z".charAt(r.nextInt(6)));
        }
        yield Value.of(s.toString().replace("\uD83D", "x").replace("\uDE00", "y"));
      }
      default -> {
        byte[] b = new byte[r.nextInt(r.nextInt(8) == 0 ? 70_000 : 20)];
        r.nextBytes(b);
        yield Value.of(b);
      }
    };
  }

  private static byte[] randomKey(Random r) {
    byte[] k = new byte[r.nextInt(r.nextInt(10) == 0 ? 300 : 12)];
    r.nextBytes(k);
    return k;
  }

  private static Write randomWrite(Random r) {
    long table = r.nextInt(5) == 0 ? r.nextLong() : 1 + r.nextInt(50);
    byte[] key = randomKey(r);
    switch (r.nextInt(10)) {
      case 0, 1, 2 -> {
        Value[] slots = new Value[r.nextInt(6)];
        for (int i = 0; i < slots.length; i++) {
          slots[i] = randomValue(r);
        }
        return new Write(b -> b.putRow(table, key, slots), o -> o.put(ReplicaStore.rowKey(table, key), RowCodec.encode(slots)));
      }
      case 3 -> {
        byte[] row = randomKey(r);
        return new Write(b -> b.putRow(table, key, row), o -> o.put(ReplicaStore.rowKey(table, key), row));
      }
      case 4 -> {
        return new Write(b -> b.deleteRow(table, key), o -> o.delete(ReplicaStore.rowKey(table, key)));
      }
      case 5 -> {
        return new Write(b -> b.deleteTable(table),
            o -> o.deleteRange(ReplicaStore.rowKey(table, new byte[0]), ReplicaStore.rowKey(table + 1, new byte[0])));
      }
      case 6 -> {
        long lsn = r.nextLong() & Long.MAX_VALUE;
        Instant at = Instant.ofEpochSecond(r.nextInt(2_000_000_000) - 100_000_000L, r.nextInt(1_000_000_000));
        byte[] v = new byte[16];
        KeyCodec.putLong(v, 0, lsn);
        KeyCodec.putLong(v, 8, ChronoUnit.MICROS.between(Instant.EPOCH, at));
        return new Write(b -> b.putWatermark("app-\u00e9", lsn, at),
            o -> o.put(ReplicaStore.withPrefix(ReplicaStore.WATERMARK, "app-\u00e9"), v));
      }
      case 7 -> {
        int bucket = r.nextInt(1 << 20);
        long sum = r.nextLong();
        byte[] v = new byte[8];
        KeyCodec.putLong(v, 0, sum);
        return new Write(b -> b.putDigestSum(table, bucket, sum), o -> o.put(ReplicaStore.digestKey(table, bucket), v));
      }
      case 8 -> {
        return new Write(b -> b.deleteDigestSums(table),
            o -> o.deleteRange(ReplicaStore.digestKey(table, 0), ReplicaStore.digestKey(table + 1, 0)));
      }
      default -> {
        return new Write(b -> b.deleteSchema("app", "t" + table), o -> o.delete(ReplicaStore.schemaKey("app", "t" + table)));
      }
    }
  }

  @Test
  void serializedBatch_isTheOneRocksDbBuilds_forRandomWrites() throws Exception {
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    Random r = new Random(seed);
    try (ReplicaStore store = ReplicaStore.open(dir.resolve("db"), false)) {
      for (int round = 0; round < 200; round++) {
        int n = r.nextInt(5) == 0 ? r.nextInt(600) : r.nextInt(20);
        List<Write> writes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          writes.add(randomWrite(r));
        }
        try (StoreBatch batch = store.batch(); WriteBatch oracle = new WriteBatch()) {
          for (Write w : writes) {
            w.batch().accept(batch);
            w.oracle().to(oracle);
          }
          byte[] expected = oracle.data();
          assertThat(HexFormat.of().formatHex(batch.data())).as("seed %d, round %d, %d writes", seed, round, n)
              .isEqualTo(HexFormat.of().formatHex(expected));
          assertThat(batch.count()).isEqualTo(n);
          assertThat(batch.size()).isEqualTo(expected.length);
        }
      }
    }
  }

  @Test
  void writtenBatch_storesItsRows_andDeletesWhatItDeletes() {
    Value[] row = {Value.of(7L), Value.of("seven \u00e9"), Value.ofNull(), Value.of(2.5), Value.of(new byte[] {0, 1, 2})};
    try (ReplicaStore store = ReplicaStore.open(dir.resolve("db"), false)) {
      try (StoreBatch b = store.batch()) {
        for (long id = 1; id <= 300; id++) {
          b.putRow(3, KeyCodec.rowid(id), row);
        }
        b.putRow(4, KeyCodec.rowid(1), row);
        store.write(b);
      }
      try (StoreBatch b = store.batch()) {
        b.deleteRow(3, KeyCodec.rowid(2));
        b.deleteTable(4);
        store.write(b);
      }
      assertThat(RowCodec.decode(store.get(3, KeyCodec.rowid(300)).orElseThrow(), "test")).containsExactly(row);
      assertThat(store.get(3, KeyCodec.rowid(2))).isEmpty();
      assertThat(store.get(4, KeyCodec.rowid(1))).isEmpty();
    }
  }

  @Test
  void closedBatch_refusesWrites() {
    try (ReplicaStore store = ReplicaStore.open(dir.resolve("db"), false)) {
      StoreBatch b = store.batch();
      b.close();
      assertThatThrownBy(() -> b.deleteRow(1, KeyCodec.rowid(1))).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("used after close");
    }
  }
}
