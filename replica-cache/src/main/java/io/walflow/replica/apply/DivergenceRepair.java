package io.walflow.replica.apply;

import io.walflow.ingest.LogEntry;
import io.walflow.ingest.change.Value;
import io.walflow.ingest.digest.DatabaseDigest;
import io.walflow.ingest.digest.DigestEntry;
import io.walflow.ingest.digest.DigestFormatException;
import io.walflow.ingest.digest.RowHasher;
import io.walflow.ingest.digest.TableDigest;
import io.walflow.replica.ApplyState;
import io.walflow.replica.digest.DigestScan;
import io.walflow.replica.read.RowCache;
import io.walflow.replica.repair.BucketClient;
import io.walflow.replica.repair.BucketSource;
import io.walflow.replica.repair.LogRangeClient;
import io.walflow.replica.repair.RangeGoneException;
import io.walflow.replica.repair.RepairException;
import io.walflow.replica.store.ReplicaStore;
import io.walflow.replica.store.StoreBatch;
import io.walflow.replica.store.TableSchema;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compares the replica with each digest entry it reaches and repairs the buckets that differ, in
 * the apply thread, at exactly the entry's LSN: the entry follows the commit of its LSN in the
 * stream, so the replica's rows are then the rows the digest describes, and the capture node
 * answers the rows of a bucket as of that same LSN ({@link BucketClient}). Commits after it are
 * applied only once the repair is written, so the repair is ordered in the stream like a commit;
 * readers keep reading meanwhile (at the same LSN).
 *
 * <p>Two comparisons. The replica's incremental digest ({@link ReplicaDigests}) catches divergence
 * of the apply path (a change lost or applied wrongly) at every digest entry, at no cost. Rows
 * damaged in the store outside the apply path leave that digest unchanged, so a <em>scrub</em>
 * recomputes the digest from the stored rows ({@link DigestScan}): at a digest entry when the
 * incremental digest differs, and otherwise when the scrub budget allows, at most {@value
 * #SCRUB_SHARE_PERCENT}% of the apply thread's time by default (after a scrub of {@code s} seconds, none for
 * the next {@code 100 s / SCRUB_SHARE_PERCENT}). Damage to stored rows is therefore found at the
 * first digest entry after that pause.
 */
public final class DivergenceRepair {
  private static final Logger LOG = LoggerFactory.getLogger(DivergenceRepair.class);
  /** The most of the apply thread's time that scrubs may take. */
  static final int SCRUB_SHARE_PERCENT = 25;
  /** Per cent of the apply thread's time scrubs may take; 100: every digest set is scrubbed. */
  private final int scrubShare;

  private final Applier applier;
  private final ReplicaStore store;
  private final RowCache cache;
  private final ReplicaDigests digests;
  private final Optional<BucketSource> client;
  private final Optional<LogRangeClient> range;
  private final Consumer<LogEntry> feed;
  /** Per database, when the next discretionary scrub may start (System.nanoTime). */
  private final Map<String, Long> scrubAllowedAt = new HashMap<>();
  /** Per database, the digest set being scrubbed: its LSN and when its scrub began (System.nanoTime). */
  private final Map<String, long[]> scrubbing = new HashMap<>();

  /**
   * @param client where bucket rows are fetched (empty: differences are reported, not repaired)
   * @param range the capture node's log, for bootstrapping again when it no longer holds the LSN
   * @param feed applies entries (a snapshot and what follows it) through the apply loop's feed
   */
  DivergenceRepair(Applier applier, Optional<? extends BucketSource> client, Optional<LogRangeClient> range,
      Consumer<LogEntry> feed) {
    this(applier, client, range, feed, SCRUB_SHARE_PERCENT);
  }

  /**
   * @param scrubShare per cent of the apply thread's time scrubs may take (1..100); 100 scrubs at
   *     every digest set, so that what is found does not depend on timing
   */
  public DivergenceRepair(Applier applier, Optional<? extends BucketSource> client, Optional<LogRangeClient> range,
      Consumer<LogEntry> feed, int scrubShare) {
    if (scrubShare < 1 || scrubShare > 100) {
      throw new IllegalArgumentException("scrub share " + scrubShare + "% is not within 1..100");
    }
    this.scrubShare = scrubShare;
    this.applier = applier;
    this.store = applier.store();
    this.cache = applier.cache();
    this.digests = applier.digests();
    this.client = client.map(c -> (BucketSource) c);
    this.range = range;
    this.feed = feed;
  }

  /** Handles one digest entry read at {@code where}. */
  public void onDigest(LogEntry.Digest entry, String where) {
    String db = entry.db();
    DatabaseReplica d = applier.database(db);
    DigestEntry body;
    try {
      body = DigestEntry.decode(entry.body(), where);
    } catch (DigestFormatException e) {
      ignore(d, "malformed digest entry: " + e.getMessage());
      return;
    }
    if (!body.db().equals(db)) {
      ignore(d, "digest entry at " + where + " describes database '" + body.db() + "', not '" + db + "'");
      return;
    }
    if (d.watermark().isEmpty() || d.lsn() != entry.lsn() || d.state() != ApplyState.OK) {
      return; // not at its LSN (behind a gap, waiting for a snapshot, stopped): nothing to compare with
    }
    TreeMap<String, List<String>> columns = new TreeMap<>();
    d.tables().forEach((n, t) -> columns.put(n, ReplicaDigests.columns(t)));
    long mine = DatabaseDigest.fingerprintOf(columns);
    if (mine != body.fingerprint()) {
      ignore(d, "digest entry at " + where + " is of another schema version (fingerprint "
          + Long.toHexString(body.fingerprint()) + ", the replica's " + Long.toHexString(mine) + " at LSN " + d.lsn() + ")");
      return;
    }
    if (!body.verified()) {
      return; // the capture node does not know this table's sums (a column rewrite): until the next snapshot
    }
    TableSchema table = d.tables().get(body.table());
    DatabaseDigest digest = digests.get(db).filter(x -> x.buckets() == body.buckets()).orElse(null);
    boolean scrubbed = false;
    if (digest == null || digest.tables().get(body.table()) == null || !digest.tables().get(body.table()).verified()) {
      long t0 = System.nanoTime();
      digest = digests.build(db, d.tables(), body.buckets());
      d.divergence(io.walflow.replica.DivergenceStats::scrubbed);
      budget(db, t0);
      scrubbed = true;
    }
    TableDigest mineT = digest.tables().get(body.table());
    BitSet diff = differing(body.sums(), mineT);
    if (body.tableIndex() == 0 && scrubDue(db)) {
      scrubbing.put(db, new long[] {entry.lsn(), System.nanoTime()}); // the whole set is scrubbed, table by table
    }
    long[] set = scrubbing.get(db);
    boolean setScrub = set != null && set[0] == entry.lsn();
    if (!scrubbed && (!diff.isEmpty() || setScrub)) {
      long t0 = System.nanoTime();
      DigestScan.Result stored = DigestScan.scan(store, table, body.buckets(), new BitSet());
      LOG.debug("database {}: scrub of table {} at LSN {}: {} stored rows in {} ms", db, body.table(), entry.lsn(),
          stored.rows(), (System.nanoTime() - t0) / 1_000_000);
      d.divergence(io.walflow.replica.DivergenceStats::scrubbed);
      diff = new BitSet();
      for (int b = 0; b < body.buckets(); b++) {
        if (stored.sums()[b] != body.sums()[b]) {
          diff.set(b);
        }
      }
      resetAgreeing(db, table, mineT, body, stored.sums());
    }
    if (setScrub && body.tableIndex() == body.tableCount() - 1) {
      scrubbing.remove(db);
      budget(db, set[1]);
    }
    int diverged = diff.cardinality();
    d.divergence(s -> s.compared(body.buckets(), diverged));
    if (diverged == 0) {
      return;
    }
    LOG.warn("database {}: table {} differs from the capture node's digest at LSN {} in {} of {} buckets", db,
        body.table(), entry.lsn(), diverged, body.buckets());
    if (client.isEmpty()) {
      d.divergence(s -> s.failed("table " + body.table() + " differs in " + diverged + " buckets at LSN " + entry.lsn()
          + "; no --repair-from to repair them", 0));
      return;
    }
    repair(db, d, table, mineT, body, diff);
  }

  private void repair(String db, DatabaseReplica d, TableSchema table, TableDigest mineT, DigestEntry body, BitSet diff) {
    int[] ids = diff.stream().toArray();
    BucketSource.Fetched fetched;
    long t0 = System.nanoTime();
    try {
      fetched = client.get().fetch(db, body.table(), d.lsn(), body.buckets(), ids);
      check(table, body, fetched, diff);
    } catch (RangeGoneException gone) {
      LOG.warn("database {}: {}; bootstrapping it again from the newest snapshot", db, gone.getMessage());
      resnapshot(db, d);
      return;
    } catch (RepairException e) {
      LOG.warn("database {}: divergence repair of table {} failed: {}", db, body.table(), e.getMessage());
      d.divergence(s -> s.failed("repair of table " + body.table() + " at LSN " + d.lsn() + " failed: " + e.getMessage(), 0));
      return;
    }
    long fetchedAt = System.nanoTime();
    DigestScan.Result local = DigestScan.scan(store, table, body.buckets(), diff);
    long scannedAt = System.nanoTime();
    Map<ByteKey, Long> localHash = new HashMap<>();
    local.collected().forEach(r -> localHash.put(new ByteKey(r.key()), r.hash()));
    List<RowCache.Key> touched = new ArrayList<>();
    long rows = 0;
    try (StoreBatch batch = store.batch()) {
      java.util.Set<ByteKey> keep = new java.util.HashSet<>();
      for (int i = 0; i < fetched.rows().size(); i++) {
        List<Value> key = fetched.keys().get(i);
        byte[] k = table.keyOf(key);
        ByteKey bk = new ByteKey(k);
        keep.add(bk);
        long hash = RowHasher.rowHash(key, fetched.rows().get(i));
        Long was = localHash.get(bk);
        if (was == null || was != hash) {
          Map<String, Value> row = new LinkedHashMap<>();
          for (int c = 0; c < fetched.columns().size(); c++) {
            row.put(fetched.columns().get(c), c < fetched.rows().get(i).size() ? fetched.rows().get(i).get(c) : Value.ofNull());
          }
          batch.putRow(table.id(), k, table.toSlots(row));
          touched.add(new RowCache.Key(table.id(), k));
          rows++;
        }
      }
      for (DigestScan.LocalRow r : local.collected()) {
        if (!keep.contains(new ByteKey(r.key()))) {
          batch.deleteRow(table.id(), r.key());
          touched.add(new RowCache.Key(table.id(), r.key()));
          rows++;
        }
      }
      for (int b : ids) {
        mineT.set(b, body.sums()[b]);
        batch.putDigestSum(table.id(), b, body.sums()[b]);
      }
      mineT.addRows(fetched.rows().size() - local.collected().size());
      digests.putMeta(db, d.tables(), batch);
      d.publish(() -> {
        store.write(batch);
        cache.invalidate(touched);
      }, d.tables(), d.watermark().orElseThrow(), false);
    }
    long repairedRows = rows;
    d.divergence(s -> s.repaired(ids.length, repairedRows, fetched.bytes()));
    LOG.info("database {}: table {} repaired at LSN {}: {} buckets, {} rows written or deleted, {} bytes fetched "
        + "(fetch {} ms, local rows of those buckets {} ms, write {} ms)", db, body.table(), d.lsn(), ids.length,
        repairedRows, fetched.bytes(), (fetchedAt - t0) / 1_000_000, (scannedAt - fetchedAt) / 1_000_000,
        (System.nanoTime() - scannedAt) / 1_000_000);
  }

  /**
   * Refuses an answer whose rows do not have the digest's sums in every asked bucket, or whose
   * columns are not the replica's: such rows are never applied.
   */
  private static void check(TableSchema table, DigestEntry body, BucketSource.Fetched fetched, BitSet diff) {
    List<String> mine = ReplicaDigests.columns(table);
    if (!fetched.columns().equals(mine)) {
      throw new RepairException("the capture node's table " + body.table() + " has columns " + fetched.columns()
          + ", the replica's " + mine + "; nothing applied", null);
    }
    long[] sums = new long[body.buckets()];
    for (int i = 0; i < fetched.rows().size(); i++) {
      List<Value> key = fetched.keys().get(i);
      sums[RowHasher.bucket(RowHasher.keyHash(key), body.buckets())] += RowHasher.rowHash(key, fetched.rows().get(i));
    }
    for (int b = diff.nextSetBit(0); b >= 0; b = diff.nextSetBit(b + 1)) {
      if (sums[b] != body.sums()[b]) {
        throw new RepairException("the capture node's rows of bucket " + b + " of table " + body.table()
            + " do not add up to its digest (sum " + Long.toHexString(sums[b]) + ", digest "
            + Long.toHexString(body.sums()[b]) + "); nothing applied", null);
      }
    }
  }

  /** After a scrub: buckets where the stored rows agree with the capture node but the incremental digest did not. */
  private void resetAgreeing(String db, TableSchema table, TableDigest mineT, DigestEntry body, long[] stored) {
    try (StoreBatch batch = store.batch()) {
      int n = 0;
      for (int b = 0; b < stored.length; b++) {
        if (stored[b] == body.sums()[b] && mineT.sum(b) != stored[b]) {
          mineT.set(b, stored[b]);
          batch.putDigestSum(table.id(), b, stored[b]);
          n++;
        }
      }
      if (n > 0) {
        store.write(batch);
        LOG.info("database {}: {} buckets of table {} had a wrong incremental digest over correct rows; reset", db, n,
            table.name());
      }
    }
  }

  private void resnapshot(String db, DatabaseReplica d) {
    if (range.isEmpty()) {
      return;
    }
    try {
      LogRangeClient.Fetched f = range.get().newestSnapshot(db);
      long at = f.entries().get(0).lsn();
      if (at < d.lsn()) {
        d.divergence(s -> s.failed("the capture node holds neither LSN " + d.lsn() + " nor a snapshot at or after it "
            + "(newest: " + at + "); trying again at the next digest entry", f.bytes()));
        return;
      }
      applier.replaceAtWatermark(db);
      f.entries().forEach(feed);
      d.repaired(true, f.entries().size(), f.bytes());
      d.divergence(s -> s.repaired(0, 0, f.bytes()));
    } catch (RepairException | RangeGoneException e) {
      d.divergence(s -> s.failed("bootstrapping again from the newest snapshot failed: " + e.getMessage(), 0));
    }
  }

  private static BitSet differing(long[] theirs, TableDigest mine) {
    BitSet diff = new BitSet();
    for (int b = 0; b < theirs.length; b++) {
      if (mine.sum(b) != theirs[b]) {
        diff.set(b);
      }
    }
    return diff;
  }

  private boolean scrubDue(String db) {
    Long at = scrubAllowedAt.get(db);
    return at == null || System.nanoTime() - at >= 0;
  }

  /** After a scrub that began at {@code t0}: no other for {@code (100 / share − 1)} times as long. */
  private void budget(String db, long t0) {
    long took = System.nanoTime() - t0;
    scrubAllowedAt.put(db, System.nanoTime() + took * (100 - scrubShare) / scrubShare);
  }

  private void ignore(DatabaseReplica d, String why) {
    LOG.warn("database {}: {}; ignored", d.name(), why);
    d.divergence(s -> s.ignored(why));
  }

  /** A stored key as a map key. */
  private record ByteKey(byte[] bytes) {
    @Override
    public boolean equals(Object o) {
      return o instanceof ByteKey k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }
  }
}
