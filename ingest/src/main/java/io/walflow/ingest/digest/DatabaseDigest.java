package io.walflow.ingest.digest;

import io.walflow.ingest.change.Change;
import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.change.Column;
import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.RowChange;
import io.walflow.ingest.change.SchemaChange;
import io.walflow.ingest.change.SchemaOp;
import io.walflow.ingest.change.Value;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import net.jpountz.xxhash.StreamingXXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * The divergence digest of one database: a {@link TableDigest} per table, each with the same
 * number of hash buckets. Maintained change by change from the before and after images that
 * capture decodes ({@link #apply(Change)}): an insert adds its row's hash to its bucket, a delete
 * subtracts it, an update does both. Never rebuilt by rescanning, except where a schema change
 * rewrote every row of a table (see {@link TableDigest}).
 *
 * <p>Capture and replica maintain one each, from the same changes; equal digests at one LSN mean
 * equal rows but with probability 2^-64 per bucket. Not thread-safe.
 */
public final class DatabaseDigest {
  private static final long FINGERPRINT_SEED = 0x5746_5343_48L; // "WFSCH"

  private final int buckets;
  private final TreeMap<String, TableDigest> tables = new TreeMap<>();

  /** Receives each bucket that a change moved (the replica writes it in the same batch). */
  @FunctionalInterface
  public interface BucketListener {
    void changed(String table, TableDigest digest, int bucket);
  }

  /** @param buckets buckets per table, at least 1 */
  public DatabaseDigest(int buckets) {
    if (buckets < 1) {
      throw new IllegalArgumentException("a digest needs at least 1 bucket per table, not " + buckets);
    }
    this.buckets = buckets;
  }

  public int buckets() {
    return buckets;
  }

  /** The tables by name (sorted by name), live. */
  public SortedMap<String, TableDigest> tables() {
    return Collections.unmodifiableSortedMap(tables);
  }

  /** Puts {@code digest} for {@code table} (decoding a stored digest, or a recomputation). */
  public void put(String table, TableDigest digest) {
    if (digest.verified() && digest.buckets() != buckets) {
      throw new IllegalArgumentException("table " + table + " has " + digest.buckets() + " buckets, this digest " + buckets);
    }
    tables.put(table, digest);
  }

  /** A new empty, verified table digest with this digest's bucket count. */
  public TableDigest emptyTable(List<String> columns) {
    return new TableDigest(columns, new long[buckets], 0, true);
  }

  /** An independent copy. */
  public DatabaseDigest copy() {
    DatabaseDigest d = new DatabaseDigest(buckets);
    tables.forEach((n, t) -> d.tables.put(n, t.copy()));
    return d;
  }

  /** Applies every change of {@code changes} in order. */
  public void apply(ChangeSet changes, BucketListener listener) {
    for (SchemaChange s : changes.schemaChanges()) {
      apply(s, listener);
    }
    for (RowChange r : changes.rowChanges()) {
      apply(r, listener);
    }
  }

  /** Applies one change (a snapshot's CREATEs and inserts, or a commit's changes one by one). */
  public void apply(Change change, BucketListener listener) {
    if (change instanceof SchemaChange s) {
      applySchema(s);
    } else {
      applyRow((RowChange) change, listener);
    }
  }

  private void applySchema(SchemaChange s) {
    if (!s.op().isTableOp()) {
      return;
    }
    if (s.op() == SchemaOp.DROP_TABLE) {
      tables.remove(s.table());
      return;
    }
    List<String> names = new ArrayList<>(s.columns().size());
    s.columns().forEach(c -> names.add(c.name()));
    if (s.op() == SchemaOp.CREATE_TABLE) {
      if (!s.columns().isEmpty()) { // a virtual table has no rows of its own
        tables.put(s.table(), emptyTable(names));
      }
      return;
    }
    TableDigest old = tables.remove(s.previousName().orElse(s.table()));
    if (old == null) {
      tables.put(s.table(), TableDigest.unverified(names, 0));
    } else if (old.rows() == 0 || (old.verified() && hashesKept(old.columns(), s.columns()))) {
      old.columns(names);
      tables.put(s.table(), old.verified() ? old : emptyTable(names));
    } else {
      tables.put(s.table(), TableDigest.unverified(names, old.rows()));
    }
  }

  /**
   * Whether every row keeps its hash across the change from {@code before} to {@code after}: the
   * old columns stay in place (renamed at most) and new ones only follow them with a NULL default.
   */
  private static boolean hashesKept(List<String> before, List<Column> after) {
    if (after.size() < before.size()) {
      return false;
    }
    for (int i = 0; i < before.size(); i++) {
      Column c = after.get(i);
      if (!c.previousName().orElse(c.name()).equals(before.get(i))) {
        return false;
      }
    }
    for (int i = before.size(); i < after.size(); i++) {
      Value d = after.get(i).defaultValue().orElse(NullValue.INSTANCE);
      if (!(d instanceof NullValue)) {
        return false;
      }
    }
    return true;
  }

  private void applyRow(RowChange r, BucketListener listener) {
    TableDigest t = tables.get(r.table());
    if (t == null) {
      throw new IllegalArgumentException("digest: row change of unknown table " + r.table());
    }
    if (!t.verified()) {
      return;
    }
    List<Value> key = RowHasher.keyOf(r);
    int b = RowHasher.bucket(RowHasher.keyHash(key), buckets);
    switch (r.op()) {
      case INSERT -> t.add(b, RowHasher.rowHash(key, r.after().values()), 1);
      case DELETE -> t.add(b, RowHasher.rowHash(key, r.before().values()), -1);
      case UPDATE -> {
        t.add(b, RowHasher.rowHash(key, r.before().values()), -1);
        t.add(b, RowHasher.rowHash(key, r.after().values()), 1);
      }
    }
    if (listener != null) {
      listener.changed(r.table(), t, b);
    }
  }

  /**
   * A hash of the schema the digest describes: every table's name and column names, in name
   * order. Two sides with different fingerprints are at different schema versions and their
   * digests are not compared.
   */
  public long fingerprint() {
    TreeMap<String, List<String>> columns = new TreeMap<>();
    tables.forEach((n, t) -> columns.put(n, t.columns()));
    return fingerprintOf(columns);
  }

  /** The fingerprint of tables given by name with their column names in declaration order. */
  public static long fingerprintOf(SortedMap<String, List<String>> columnsByTable) {
    try (StreamingXXHash64 h = XXHashFactory.fastestInstance().newStreamingHash64(FINGERPRINT_SEED)) {
      for (var e : columnsByTable.entrySet()) {
        feed(h, e.getKey());
        for (String c : e.getValue()) {
          feed(h, c);
        }
        h.update(new byte[] {1}, 0, 1);
      }
      return h.getValue();
    }
  }

  private static void feed(StreamingXXHash64 h, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    h.update(b, 0, b.length);
    h.update(new byte[] {0}, 0, 1);
  }
}
