package io.walflow.app.sim;

import io.walflow.ingest.CorruptEntryException;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.Value;
import io.walflow.ingest.feed.ChangeFeed;
import io.walflow.ingest.log.EntryCodec;
import io.walflow.replica.ApplyState;
import io.walflow.replica.DatabaseStatus;
import io.walflow.replica.Freshness;
import io.walflow.replica.RangeRead;
import io.walflow.replica.Replica;
import io.walflow.replica.ReplicaConfig;
import io.walflow.replica.repair.BucketSource;
import io.walflow.replica.repair.LocalBuckets;
import io.walflow.replica.store.ReplicaStore;
import io.walflow.replica.store.StoreBatch;
import io.walflow.replica.store.TableSchema;
import io.walflow.ingest.change.Change;
import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.change.RowChange;
import io.walflow.ingest.feed.TransactionSink;
import java.time.Instant;
import java.util.Random;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A real replica (RocksDB, its applier) fed the way a consumer is: each delivery's bytes are
 * decoded and checked ({@link EntryCodec}: a truncated or corrupted entry is reported and
 * dropped), then turned into transactions ({@link ChangeFeed}) for the replica's sink. It can be
 * restarted, rebuilt from nothing, or lose its last writes as a power loss does with unsynced
 * RocksDB writes: {@link #sync} copies the closed store aside, {@link #powerLoss} puts that copy
 * back. Digest entries go to the replica's divergence repair, which fetches bucket rows from the
 * capture node's log in this process; faults can damage the stored rows outside the applier
 * ({@link #damageStore}) or drop a change on the apply path ({@link #dropNextChange}).
 */
final class ReplicaUnderTest implements AutoCloseable {
  private final Path dir;
  private final Path store;
  private final Path synced;
  private final BucketSource buckets;
  private Replica replica;
  private ChangeFeed feed;
  private int rejected;
  /** Armed by {@link #dropNextChange}: the next commit with row changes loses its first one on the apply path. */
  private boolean dropNext;

  /**
   * @param captureDir the capture node's data directory, whose log answers divergence repair's
   *     bucket requests in this process ({@link LocalBuckets})
   */
  ReplicaUnderTest(Path dir, Path captureDir) {
    this.dir = dir;
    this.store = dir.resolve("replica");
    this.synced = dir.resolve("replica-synced");
    this.buckets = new LocalBuckets(captureDir, dir.resolve("bucket-rows"));
    open();
  }

  private void open() {
    replica = Replica.open(ReplicaConfig.of("sim", store).withCacheRows(64));
    TransactionSink sink = replica.sink();
    feed = new ChangeFeed(dir.resolve("feed"), new TransactionSink() {
      @Override
      public void snapshotBegin(String db, long lsn, Instant committedAt) {
        sink.snapshotBegin(db, lsn, committedAt);
      }

      @Override
      public void snapshotChange(String db, long lsn, Change change) {
        sink.snapshotChange(db, lsn, change);
      }

      @Override
      public void snapshotEnd(String db, long lsn) {
        sink.snapshotEnd(db, lsn);
      }

      @Override
      public void commit(String db, long lsn, Instant committedAt, ChangeSet changes) {
        if (dropNext && !changes.rowChanges().isEmpty()) {
          dropNext = false;
          List<RowChange> rows = changes.rowChanges();
          changes = new ChangeSet(changes.schemaChanges(), List.copyOf(rows.subList(1, rows.size())));
        }
        sink.commit(db, lsn, committedAt, changes);
      }
    });
  }

  /** The next commit with row changes loses its first row change between decoding and the store. */
  void dropNextChange() {
    dropNext = true;
  }

  /** True while a {@link #dropNextChange} has not happened yet. */
  boolean dropPending() {
    return dropNext;
  }

  /**
   * Damages the stored rows of a table directly in RocksDB, not through the applier (its
   * incremental digest does not see it): deletes a row, gives a row another row's values, or
   * stores a copy of a row under a key no row has. Returns what it did, or null when no table has
   * rows.
   */
  String damageStore(Random random) {
    closeReplica();
    String what = null;
    try (ReplicaStore s = ReplicaStore.open(store.resolve("rocksdb"), false)) {
      ReplicaStore.StoredDatabase db = s.load().stream().filter(x -> x.db().equals(CapturedSource.DB)).findFirst()
          .orElse(null);
      List<TableSchema> tables = db == null ? List.of() : new ArrayList<>(new TreeMap<>(db.tables()).values());
      for (int tries = 0; tries < tables.size() && what == null; tries++) {
        TableSchema t = tables.get(random.nextInt(tables.size()));
        List<byte[][]> rows = new ArrayList<>();
        try (ReplicaStore.View v = s.view()) {
          v.scan(t.id(), Optional.empty(), 10_000, (k, r) -> rows.add(new byte[][] {k, r}));
        }
        if (rows.isEmpty()) {
          continue;
        }
        byte[][] row = rows.get(random.nextInt(rows.size()));
        byte[][] other = rows.get(random.nextInt(rows.size()));
        try (StoreBatch b = s.batch()) {
          int kind = random.nextInt(3);
          if (kind == 1 && !java.util.Arrays.equals(row[1], other[1])) {
            b.putRow(t.id(), row[0], other[1]);
            what = "gave a row of " + t.name() + " another row's values";
          } else if (kind == 2) {
            byte[] key = t.keyOf(List.of(SqliteWorkload.unusedKey(t.name(), random.nextInt(1000))));
            b.putRow(t.id(), key, row[1]);
            what = "stored a copy of a row of " + t.name() + " under a new key";
          } else {
            b.deleteRow(t.id(), row[0]);
            what = "deleted a row of " + t.name();
          }
          s.write(b);
        }
      }
    }
    open();
    return what;
  }

  private void closeReplica() {
    feed.close();
    replica.close();
  }

  /**
   * Decodes and applies one delivery.
   *
   * @return the checksum error when the bytes were damaged (nothing was applied), else empty
   */
  Optional<String> deliver(Delivery d) {
    LogEntry entry;
    try {
      entry = EntryCodec.decode(ByteBuffer.wrap(d.bytes()), 0, "delivery of " + d);
    } catch (CorruptEntryException e) {
      rejected++;
      return Optional.of(e.getMessage());
    }
    if (entry.lsn() != d.lsn()) {
      throw new IllegalStateException(d + " decoded as LSN " + entry.lsn() + ": the checksum let damage through");
    }
    if (entry instanceof LogEntry.Digest digest) {
      replica.compareDigest(digest, "delivery of " + d, buckets); // as the apply loop does, before feeding
      return Optional.empty();
    }
    feed.accept(entry);
    return Optional.empty();
  }

  /** A crash and restart: what RocksDB acknowledged survives. */
  void restart() {
    closeReplica();
    open();
  }

  /** The replica's disk is lost: it starts empty. */
  void rebuild() {
    closeReplica();
    deleteTree(store);
    deleteTree(synced);
    open();
  }

  /** What has been applied so far reaches the disk (a later {@link #powerLoss} comes back to it). */
  void sync() {
    closeReplica();
    deleteTree(synced);
    copyTree(store, synced);
    open();
  }

  /** Power fails: the writes since the last {@link #sync} are lost (nothing is lost when there was none). */
  void powerLoss() {
    closeReplica();
    if (Files.exists(synced)) {
      deleteTree(store);
      copyTree(synced, store);
    }
    open();
  }

  boolean holds() {
    return replica.databases().contains(CapturedSource.DB);
  }

  /** The replica's watermark, -1 before anything was applied. */
  long lsn() {
    return holds() ? replica.lsn(CapturedSource.DB) : -1;
  }

  DatabaseStatus status() {
    return replica.status(CapturedSource.DB);
  }

  /**
   * The end of the gap the replica reports ("gap: LSN n arrived after LSN w (missing w+1..n-1)"),
   * or empty when it reports none.
   */
  OptionalLong gapEnd() {
    if (!holds()) {
      return OptionalLong.empty();
    }
    DatabaseStatus s = status();
    if (s.state() != ApplyState.GAP) {
      return OptionalLong.empty();
    }
    String r = s.reason().orElseThrow();
    int at = r.indexOf("..");
    return OptionalLong.of(Long.parseLong(r.substring(at + 2, r.indexOf(')', at))));
  }

  /**
   * Every row of {@code table} at the replica's LSN, as {@link SqliteWorkload#rows()} writes them;
   * checks that the scan is at {@code lsn}.
   */
  List<String> rows(String table, long lsn) {
    List<String> out = new ArrayList<>();
    Optional<String> after = Optional.empty();
    do {
      RangeRead page = replica.scan(CapturedSource.DB, table, after, 1000, Freshness.ANY);
      if (page.lsn() != lsn) {
        throw new IllegalStateException("a scan of " + table + " at LSN " + page.lsn() + " while the status said "
            + lsn);
      }
      for (Map<String, Value> row : page.rows()) {
        TreeMap<String, Value> r = new TreeMap<>(row);
        r.values().removeIf(v -> v instanceof NullValue);
        // A row stored under another row's key (damage outside the applier) scans like a true row:
        // only a read by its own key shows it is not where that key leads.
        List<Value> key = List.of(row.get(SqliteWorkload.keyColumn(table)));
        boolean placed = replica.get(CapturedSource.DB, table, key, Freshness.ANY).row()
            .map(found -> found.equals(row)).orElse(false);
        out.add(placed ? r.toString() : "misplaced " + r);
      }
      after = page.next();
    } while (after.isPresent());
    out.sort(null);
    return out;
  }

  int rejected() {
    return rejected;
  }

  @Override
  public void close() {
    closeReplica();
  }

  static void copyTree(Path from, Path to) {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Deletes {@code dir} and everything in it. */
  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
