package io.walflow.replica.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.Status;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import io.walflow.replica.source.SourcePositions;

/**
 * The replica's RocksDB database (one per region), in the layout of {@code docs/replica.md}:
 *
 * <pre>
 *   'w' db                 → lsn:8 committedAtMicros:8      the database's watermark
 *   's' db 0x00 table      → TableSchema (JSON)             one per replicated table
 *   'r' tableId:8 key      → RowCodec row                   rows in key order (KeyCodec)
 *   'n'                    → nextTableId:8                  table ids are never reused
 *   'p' db                 → tableId:8 × n                  key ranges of a snapshot being staged
 *   'o' source             → bytes (the source's)            where a source resumes (SourcePositions)
 * </pre>
 *
 * <p>Every write goes through {@link StoreBatch} and {@link #write}, one atomic {@code WriteBatch}
 * with the write-ahead log enabled. Every RocksDB failure is rethrown as a {@link
 * StoreException} naming the directory. Thread-safe.
 */
public final class ReplicaStore implements AutoCloseable, SourcePositions {
  static final byte WATERMARK = 'w';
  static final byte SCHEMA = 's';
  static final byte ROW = 'r';
  static final byte NEXT_ID = 'n';
  static final byte STAGED = 'p';
  static final byte SOURCE_POSITION = 'o';
  static final byte DIGEST_SUM = 'g';
  static final byte DIGEST_META = 'G';
  /** The free space is read again at most this long after it was last read (one statfs, 1–2 µs here). */
  private static final long FREE_SPACE_RECHECK_NANOS = 10_000_000L;

  /** A database's applied position. */
  public record Watermark(long lsn, Instant committedAt) {}

  /** What the store holds of one database when it is opened. */
  public record StoredDatabase(String db, Watermark watermark, Map<String, TableSchema> tables) {}

  private final Path dir;
  private final RocksDB db;
  private final Options options;
  private final WriteOptions writeOptions;
  private final FileStore fileStore;
  private final long minFreeBytes;
  /** When and what the free space was last read ({@link #checkFreeSpace}), and the batch bytes written since. */
  private final Object freeSpaceLock = new Object();
  private boolean freeChecked;
  private long freeCheckedAt;
  private long headroomAtCheck;
  private long writtenSinceCheck;
  private volatile boolean closed;

  static {
    RocksDB.loadLibrary();
  }

  private ReplicaStore(Path dir, RocksDB db, Options options, WriteOptions writeOptions, FileStore fileStore,
      long minFreeBytes) {
    this.fileStore = fileStore;
    this.minFreeBytes = minFreeBytes;
    this.dir = dir;
    this.db = db;
    this.options = options;
    this.writeOptions = writeOptions;
  }

  /**
   * Opens (or creates) the store in {@code dir}, and drops the rows of any snapshot that was
   * being staged when the process stopped.
   *
   * @param sync whether each write is forced to disk (survives a machine crash, not only a process crash)
   */
  public static ReplicaStore open(Path dir, boolean sync) {
    return open(dir, sync, 0);
  }

  /**
   * As {@link #open(Path, boolean)}, refusing every write (with {@link DiskFullException}) while
   * the store's file system has less than {@code minFreeBytes} usable.
   */
  public static ReplicaStore open(Path dir, boolean sync, long minFreeBytes) {
    if (minFreeBytes < 0) {
      throw new IllegalArgumentException("the free-disk floor must be >= 0 bytes: " + minFreeBytes);
    }
    Options options = new Options().setCreateIfMissing(true);
    try {
      Files.createDirectories(dir);
      FileStore fileStore = Files.getFileStore(dir);
      RocksDB db = RocksDB.open(options, dir.toString());
      ReplicaStore store = new ReplicaStore(dir, db, options, new WriteOptions().setSync(sync), fileStore, minFreeBytes);
      store.dropStaged();
      return store;
    } catch (RocksDBException e) {
      options.close();
      throw new StoreException("cannot open the replica store in " + dir + ": " + e.getMessage(), e);
    } catch (IOException e) {
      options.close();
      throw new UncheckedIOException("cannot create the replica store directory " + dir, e);
    }
  }

  /** The store's directory. */
  public Path dir() {
    return dir;
  }

  /** A new, empty batch. */
  public StoreBatch batch() {
    return new StoreBatch(this);
  }

  /**
   * Applies {@code batch} atomically (all of it or nothing, also across a crash).
   *
   * @throws DiskFullException when the free-space floor is reached or RocksDB found no space left
   *     (nothing written: the batch may be written again later)
   */
  public void write(StoreBatch batch) {
    checkOpen();
    if (minFreeBytes > 0) {
      checkFreeSpace(batch.size());
    }
    try (WriteBatch serialized = new WriteBatch(batch.data())) {
      db.write(writeOptions, serialized);
      if (minFreeBytes > 0) {
        synchronized (freeSpaceLock) {
          writtenSinceCheck += batch.size();
        }
      }
    } catch (RocksDBException e) {
      Status s = e.getStatus();
      if ((s != null && s.getSubCode() == Status.SubCode.NoSpace)
          || String.valueOf(e.getMessage()).contains("No space left")) {
        throw new DiskFullException("disk full: RocksDB cannot write to the replica store in " + dir + ": "
            + e.getMessage(), e);
      }
      throw new StoreException("cannot write to the replica store in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Refuses a write of {@code bytes} when the free space is below the floor. The free space is
   * read when 10 ms have passed since it was last read, or when
   * the batches written since (with this one) reach half the space that was above the floor then:
   * the store's own writes (the write-ahead log now, the flushed table files later, about twice
   * the batches) cannot cross the floor between two reads, and another process filling the disk
   * is seen within 10 ms.
   */
  private void checkFreeSpace(long bytes) {
    synchronized (freeSpaceLock) {
      long now = System.nanoTime();
      if (freeChecked && now - freeCheckedAt < FREE_SPACE_RECHECK_NANOS
          && writtenSinceCheck + bytes < headroomAtCheck / 2) {
        return;
      }
      long free = usableBytes();
      if (free < minFreeBytes) {
        freeChecked = false; // read again at the next write
        throw new DiskFullException("disk full: " + (free >> 20) + " MiB free on the file system of the replica store "
            + dir + ", below the floor of " + (minFreeBytes >> 20) + " MiB (--min-free-disk-mb)", null);
      }
      freeChecked = true;
      freeCheckedAt = now;
      headroomAtCheck = free - minFreeBytes;
      writtenSinceCheck = 0;
    }
  }

  private long usableBytes() {
    try {
      return fileStore.getUsableSpace();
    } catch (IOException e) {
      throw new StoreException("cannot read the free space of the file system of " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The stored row of table {@code tableId} under {@code key}, if any. */
  public Optional<byte[]> get(long tableId, byte[] key) {
    checkOpen();
    try {
      return Optional.ofNullable(db.get(rowKey(tableId, key)));
    } catch (RocksDBException e) {
      throw new StoreException("cannot read from the replica store in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** A consistent view of the store as of now; close it when done. */
  public View view() {
    checkOpen();
    return new View(db.getSnapshot());
  }

  /** A point-in-time view for range scans (a RocksDB snapshot). */
  public final class View implements AutoCloseable {
    private final Snapshot snapshot;

    private View(Snapshot snapshot) {
      this.snapshot = snapshot;
    }

    /**
     * Calls {@code row} with (key, value) for up to {@code limit} rows of table {@code tableId}
     * after {@code after} (exclusive; from the first row when empty), in key order.
     *
     * @return whether more rows follow
     */
    public boolean scan(long tableId, Optional<byte[]> after, int limit, BiConsumer<byte[], byte[]> row) {
      checkOpen();
      byte[] prefix = rowKey(tableId, new byte[0]);
      try (ReadOptions ro = new ReadOptions().setSnapshot(snapshot); RocksIterator it = db.newIterator(ro)) {
        if (after.isPresent()) {
          byte[] from = rowKey(tableId, after.get());
          it.seek(from);
          if (it.isValid() && Arrays.equals(it.key(), from)) {
            it.next();
          }
        } else {
          it.seek(prefix);
        }
        int n = 0;
        for (; it.isValid(); it.next()) {
          byte[] k = it.key();
          if (!startsWith(k, prefix)) {
            return false;
          }
          if (n == limit) {
            return true;
          }
          row.accept(Arrays.copyOfRange(k, prefix.length, k.length), it.value());
          n++;
        }
        statusOf(it);
        return false;
      }
    }

    @Override
    public void close() {
      db.releaseSnapshot(snapshot);
    }
  }

  /** Every database's watermark and tables, as stored. */
  public List<StoredDatabase> load() {
    checkOpen();
    Map<String, Watermark> marks = new HashMap<>();
    Map<String, Map<String, TableSchema>> tables = new HashMap<>();
    try (RocksIterator it = db.newIterator()) {
      for (it.seek(new byte[] {WATERMARK}); it.isValid() && it.key()[0] == WATERMARK; it.next()) {
        String name = new String(it.key(), 1, it.key().length - 1, StandardCharsets.UTF_8);
        byte[] v = it.value();
        if (v.length != 16) {
          throw new StoreException("watermark of " + name + " in " + dir + " has " + v.length + " bytes, expected 16", null);
        }
        long micros = KeyCodec.getLong(v, 8);
        marks.put(name, new Watermark(KeyCodec.getLong(v, 0),
            Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000)));
      }
      for (it.seek(new byte[] {SCHEMA}); it.isValid() && it.key()[0] == SCHEMA; it.next()) {
        byte[] k = it.key();
        int sep = indexOf(k, (byte) 0, 1);
        if (sep < 0) {
          throw new StoreException("schema key without separator in " + dir, null);
        }
        String name = new String(k, 1, sep - 1, StandardCharsets.UTF_8);
        TableSchema t = TableSchema.fromBytes(it.value(), "of " + name + " in " + dir);
        tables.computeIfAbsent(name, x -> new HashMap<>()).put(t.name(), t);
      }
      statusOf(it);
    }
    List<StoredDatabase> out = new ArrayList<>();
    marks.forEach((name, w) -> out.add(new StoredDatabase(name, w, tables.getOrDefault(name, Map.of()))));
    return out;
  }

  @Override
  public Optional<byte[]> load(String name) {
    checkOpen();
    try {
      return Optional.ofNullable(db.get(withPrefix(SOURCE_POSITION, name)));
    } catch (RocksDBException e) {
      throw new StoreException("cannot read from the replica store in " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void save(String name, byte[] position) {
    try (StoreBatch b = batch()) {
      b.batchPut(withPrefix(SOURCE_POSITION, name), position);
      write(b);
    }
  }

  /** The next table id to allot (ids are never reused). */
  public long nextTableId() {
    checkOpen();
    try {
      byte[] v = db.get(new byte[] {NEXT_ID});
      return v == null ? 1 : KeyCodec.getLong(v, 0);
    } catch (RocksDBException e) {
      throw new StoreException("cannot read from the replica store in " + dir + ": " + e.getMessage(), e);
    }
  }

  private void dropStaged() {
    StoreBatch cleanup = batch();
    int found = 0;
    try (RocksIterator it = db.newIterator()) {
      for (it.seek(new byte[] {STAGED}); it.isValid() && it.key()[0] == STAGED; it.next()) {
        byte[] ids = it.value();
        for (int i = 0; i + 8 <= ids.length; i += 8) {
          cleanup.deleteTable(KeyCodec.getLong(ids, i));
        }
        cleanup.batchDelete(it.key());
        found++;
      }
      statusOf(it);
    }
    if (found > 0) {
      write(cleanup);
    }
    cleanup.close();
  }

  /** Bytes of the store's files on disk. */
  public long bytesOnDisk() {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          return 0; // a file RocksDB deleted while we walked
        }
      }).sum();
    } catch (IOException | UncheckedIOException e) {
      return -1;
    }
  }

  static byte[] digestKey(long tableId, int bucket) {
    byte[] k = new byte[13];
    k[0] = DIGEST_SUM;
    KeyCodec.putLong(k, 1, tableId);
    k[9] = (byte) (bucket >>> 24);
    k[10] = (byte) (bucket >>> 16);
    k[11] = (byte) (bucket >>> 8);
    k[12] = (byte) bucket;
    return k;
  }

  /** The stored digest description of {@code db} ({@link StoreBatch#putDigestMeta}), if any. */
  public Optional<byte[]> digestMeta(String db) {
    checkOpen();
    try {
      return Optional.ofNullable(this.db.get(withPrefix(DIGEST_META, db)));
    } catch (RocksDBException e) {
      throw new StoreException("cannot read from the replica store in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The stored digest sums of table id {@code tableId}: {@code buckets} values, 0 where none is stored. */
  public long[] digestSums(long tableId, int buckets) {
    checkOpen();
    long[] sums = new long[buckets];
    byte[] prefix = digestKey(tableId, 0);
    try (RocksIterator it = db.newIterator()) {
      for (it.seek(prefix); it.isValid(); it.next()) {
        byte[] k = it.key();
        if (k.length != 13 || k[0] != DIGEST_SUM || KeyCodec.getLong(k, 1) != tableId) {
          break;
        }
        int b = ((k[9] & 0xff) << 24) | ((k[10] & 0xff) << 16) | ((k[11] & 0xff) << 8) | (k[12] & 0xff);
        if (b < 0 || b >= buckets || it.value().length != 8) {
          throw new StoreException("digest sum of table id " + tableId + " bucket " + b + " in " + dir
              + " does not fit a digest of " + buckets + " buckets", null);
        }
        sums[b] = KeyCodec.getLong(it.value(), 0);
      }
      statusOf(it);
    }
    return sums;
  }

  /** The RocksDB key under which the row of table id {@code tableId} with key {@code key} ({@link KeyCodec}) is stored. */
  public static byte[] rowKey(long tableId, byte[] key) {
    byte[] k = new byte[9 + key.length];
    k[0] = ROW;
    KeyCodec.putLong(k, 1, tableId);
    System.arraycopy(key, 0, k, 9, key.length);
    return k;
  }

  static byte[] withPrefix(byte tag, String db) {
    byte[] name = db.getBytes(StandardCharsets.UTF_8);
    byte[] k = new byte[1 + name.length];
    k[0] = tag;
    System.arraycopy(name, 0, k, 1, name.length);
    return k;
  }

  static byte[] schemaKey(String db, String table) {
    byte[] name = db.getBytes(StandardCharsets.UTF_8);
    byte[] t = table.getBytes(StandardCharsets.UTF_8);
    byte[] k = new byte[2 + name.length + t.length];
    k[0] = SCHEMA;
    System.arraycopy(name, 0, k, 1, name.length);
    System.arraycopy(t, 0, k, 2 + name.length, t.length);
    return k;
  }

  private static boolean startsWith(byte[] k, byte[] prefix) {
    return k.length >= prefix.length && Arrays.equals(k, 0, prefix.length, prefix, 0, prefix.length);
  }

  private static int indexOf(byte[] b, byte x, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] == x) {
        return i;
      }
    }
    return -1;
  }

  private void statusOf(RocksIterator it) {
    try {
      it.status();
    } catch (RocksDBException e) {
      throw new StoreException("cannot iterate the replica store in " + dir + ": " + e.getMessage(), e);
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the replica store in " + dir + " is closed");
    }
  }

  /** Closes RocksDB (after its write-ahead log is flushed). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    db.close();
    writeOptions.close();
    options.close();
  }
}
