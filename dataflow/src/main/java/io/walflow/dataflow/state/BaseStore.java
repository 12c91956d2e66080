package io.walflow.dataflow.state;

import io.walflow.ingest.change.Value;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The rows of the captured tables, in RocksDB, with the secondary indexes the graph asks for.
 *
 * <p>Keys (one key space):
 *
 * <pre>
 * 'r' table:u32 rowKey          → ValueCodec row       a table's rows by primary key / rowid
 * 'x' index:u32 hash:u32 rowKey → rowKey               an index: hash of the indexed values
 * </pre>
 *
 * An index groups rows by a hash of their (SQLite-equal) key values; a lookup returns the rows of
 * one hash and the caller keeps those whose values really match. Table and index ids are never
 * reused within a process, so a table replaced by a snapshot or dropped is removed with one range
 * delete. The store is a cache of the log: it is emptied when opened and rebuilt from the log's
 * snapshot. Writes of one transaction go into one {@link WriteBatch} (atomic in RocksDB).
 *
 * <p>Thread-safe for reads; writes and index changes are made by one thread at a time (the engine's
 * transaction lock).
 */
public final class BaseStore implements AutoCloseable {
  private static final byte ROWS = 'r';
  private static final byte INDEX = 'x';

  static {
    RocksDB.loadLibrary();
  }

  private final Path dir;
  private final Options options;
  private final RocksDB db;
  private final WriteOptions writeOptions;
  private final java.util.concurrent.atomic.AtomicInteger nextId = new java.util.concurrent.atomic.AtomicInteger(1);
  /** Indexes of each table. */
  private final Map<Integer, List<Index>> indexes = new ConcurrentHashMap<>();

  private record Index(int id, ToIntFunction<Value[]> hash) {}

  private BaseStore(Path dir, Options options, RocksDB db) {
    this.dir = dir;
    this.options = options;
    this.db = db;
    this.writeOptions = new WriteOptions().setDisableWAL(true);
  }

  /**
   * Opens an empty store in {@code dir} (anything there from an earlier run is deleted).
   *
   * @throws StoreException when RocksDB cannot open it
   */
  public static BaseStore open(Path dir) {
    try {
      if (Files.exists(dir)) {
        try (Stream<Path> walk = Files.walk(dir)) {
          for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the base-table store directory " + dir, e);
    }
    Options options = new Options().setCreateIfMissing(true);
    try {
      return new BaseStore(dir, options, RocksDB.open(options, dir.toString()));
    } catch (RocksDBException e) {
      options.close();
      throw new StoreException("cannot open the base-table store in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** A new, empty table; its id. */
  public int createTable() {
    int id = nextId.getAndIncrement();
    indexes.put(id, new CopyOnWriteArrayList<>());
    return id;
  }

  /** Deletes a table's rows and indexes. */
  public void dropTable(int table) {
    try {
      db.deleteRange(prefix(ROWS, table), prefix(ROWS, table + 1));
      for (Index ix : indexes.getOrDefault(table, List.of())) {
        db.deleteRange(prefix(INDEX, ix.id()), prefix(INDEX, ix.id() + 1));
      }
    } catch (RocksDBException e) {
      throw new StoreException("cannot drop table " + table + " in " + dir + ": " + e.getMessage(), e);
    }
    indexes.remove(table);
  }

  /**
   * An index of {@code table} by {@code hash} of each row, built from the rows the table holds and
   * maintained by every later write; its id.
   */
  public int createIndex(int table, ToIntFunction<Value[]> hash) {
    Index ix = new Index(nextId.getAndIncrement(), hash);
    try (WriteBatch batch = new WriteBatch()) {
      scanKeys(table, (rowKey, row) -> {
        try {
          batch.put(indexKey(ix.id(), hash.applyAsInt(row), rowKey), rowKey);
        } catch (RocksDBException e) {
          throw new StoreException("cannot build index " + ix.id() + ": " + e.getMessage(), e);
        }
      });
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      throw new StoreException("cannot build index " + ix.id() + " of table " + table + ": " + e.getMessage(), e);
    }
    indexes.get(table).add(ix);
    return ix.id();
  }

  /** Stops maintaining an index and deletes it. */
  public void dropIndex(int table, int index) {
    List<Index> list = indexes.get(table);
    if (list != null && list.removeIf(ix -> ix.id() == index)) {
      try {
        db.deleteRange(prefix(INDEX, index), prefix(INDEX, index + 1));
      } catch (RocksDBException e) {
        throw new StoreException("cannot drop index " + index + ": " + e.getMessage(), e);
      }
    }
  }

  /** A batch of writes, applied atomically by {@link Batch#commit()}. */
  public Batch batch() {
    return new Batch();
  }

  /** Every row of a table, in key order. */
  public void scan(int table, Consumer<Value[]> rows) {
    scanKeys(table, null, (k, row) -> rows.accept(row));
  }

  /** Every row of a table as it was when {@code at} was taken, in key order. */
  public void scan(int table, Snapshot at, Consumer<Value[]> rows) {
    scanKeys(table, at, (k, row) -> rows.accept(row));
  }

  /**
   * A consistent read view of the store as it is now: later writes are not seen through it. Taken
   * under the engine's transaction lock, it holds exactly the rows at the current watermark, so a
   * new view can be built from it while transactions go on. Close it when done.
   */
  public Snapshot snapshot() {
    return new Snapshot(db.getSnapshot());
  }

  /** A point-in-time read view of the store (see {@link #snapshot()}). */
  public final class Snapshot implements AutoCloseable {
    private final org.rocksdb.Snapshot snapshot;
    private boolean closed;

    private Snapshot(org.rocksdb.Snapshot snapshot) {
      this.snapshot = snapshot;
    }

    @Override
    public synchronized void close() {
      if (!closed) {
        closed = true;
        db.releaseSnapshot(snapshot);
      }
    }
  }

  private void scanKeys(int table, java.util.function.BiConsumer<byte[], Value[]> rows) {
    scanKeys(table, null, rows);
  }

  private void scanKeys(int table, Snapshot at, java.util.function.BiConsumer<byte[], Value[]> rows) {
    byte[] from = prefix(ROWS, table);
    byte[] to = prefix(ROWS, table + 1);
    try (Slice upper = new Slice(to); ReadOptions ro = new ReadOptions().setIterateUpperBound(upper);
        RocksIterator it = db.newIterator(at == null ? ro : ro.setSnapshot(at.snapshot))) {
      for (it.seek(from); it.isValid(); it.next()) {
        byte[] key = it.key();
        rows.accept(Arrays.copyOfRange(key, 5, key.length), ValueCodec.decode(it.value()));
      }
      check(it);
    }
  }

  /** The rows of {@code table} whose index hash is {@code hash} (the caller filters by value). */
  public List<Value[]> lookup(int table, int index, int hash) {
    byte[] from = indexKey(index, hash, new byte[0]);
    // hashes are stored sign-flipped (unsigned order): MAX_VALUE is the last one of the index
    byte[] to = hash == Integer.MAX_VALUE ? prefix(INDEX, index + 1) : indexKey(index, hash + 1, new byte[0]);
    List<byte[]> rowKeys = new ArrayList<>();
    try (Slice upper = new Slice(to); ReadOptions ro = new ReadOptions().setIterateUpperBound(upper);
        RocksIterator it = db.newIterator(ro)) {
      for (it.seek(from); it.isValid(); it.next()) {
        rowKeys.add(rowKey(table, it.value()));
      }
      check(it);
    }
    if (rowKeys.isEmpty()) {
      return List.of();
    }
    try {
      List<byte[]> values = db.multiGetAsList(rowKeys);
      List<Value[]> out = new ArrayList<>(values.size());
      for (byte[] v : values) {
        if (v == null) {
          throw new IllegalStateException("index " + index + " of table " + table + " names a missing row");
        }
        out.add(ValueCodec.decode(v));
      }
      return out;
    } catch (RocksDBException e) {
      throw new StoreException("cannot read rows of table " + table + ": " + e.getMessage(), e);
    }
  }

  /**
   * Rewrites every row of {@code table} with {@code change} (a schema change), dropping its
   * indexes (their columns may have moved).
   */
  public void rewrite(int table, UnaryOperator<Value[]> change) {
    for (Index ix : List.copyOf(indexes.getOrDefault(table, List.of()))) {
      dropIndex(table, ix.id());
    }
    try (WriteBatch batch = new WriteBatch()) {
      scanKeys(table, (k, row) -> {
        try {
          batch.put(rowKey(table, k), ValueCodec.encode(change.apply(row)));
        } catch (RocksDBException e) {
          throw new StoreException("cannot rewrite table " + table + ": " + e.getMessage(), e);
        }
      });
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      throw new StoreException("cannot rewrite table " + table + ": " + e.getMessage(), e);
    }
  }

  private static void check(RocksIterator it) {
    try {
      it.status();
    } catch (RocksDBException e) {
      throw new StoreException("base-table store read failed: " + e.getMessage(), e);
    }
  }

  private static byte[] prefix(byte kind, int id) {
    return ByteBuffer.allocate(5).put(kind).putInt(id).array();
  }

  private static byte[] rowKey(int table, byte[] key) {
    return ByteBuffer.allocate(5 + key.length).put(ROWS).putInt(table).put(key).array();
  }

  private static byte[] indexKey(int index, int hash, byte[] rowKey) {
    return ByteBuffer.allocate(9 + rowKey.length).put(INDEX).putInt(index).putInt(hash ^ Integer.MIN_VALUE)
        .put(rowKey).array();
  }

  /** Writes of one transaction. */
  public final class Batch implements AutoCloseable {
    private final WriteBatch batch = new WriteBatch();

    private Batch() {}

    /** Stores {@code row} under {@code key}, replacing {@code old} when the row existed. */
    public void put(int table, byte[] key, Value[] row, Value[] old) {
      try {
        if (old != null) {
          unindex(table, key, old);
        }
        batch.put(rowKey(table, key), ValueCodec.encode(row));
        for (Index ix : indexes.get(table)) {
          batch.put(indexKey(ix.id(), ix.hash().applyAsInt(row), key), key);
        }
      } catch (RocksDBException e) {
        throw new StoreException("cannot write table " + table + ": " + e.getMessage(), e);
      }
    }

    /** Deletes the row {@code old} stored under {@code key}. */
    public void delete(int table, byte[] key, Value[] old) {
      try {
        unindex(table, key, old);
        batch.delete(rowKey(table, key));
      } catch (RocksDBException e) {
        throw new StoreException("cannot write table " + table + ": " + e.getMessage(), e);
      }
    }

    private void unindex(int table, byte[] key, Value[] old) throws RocksDBException {
      for (Index ix : indexes.get(table)) {
        batch.delete(indexKey(ix.id(), ix.hash().applyAsInt(old), key));
      }
    }

    /** Applies the batch atomically. */
    public void commit() {
      try {
        db.write(writeOptions, batch);
      } catch (RocksDBException e) {
        throw new StoreException("cannot apply a transaction to the base-table store: " + e.getMessage(), e);
      }
    }

    @Override
    public void close() {
      batch.close();
    }
  }

  @Override
  public void close() {
    writeOptions.close();
    db.close();
    options.close();
  }
}
