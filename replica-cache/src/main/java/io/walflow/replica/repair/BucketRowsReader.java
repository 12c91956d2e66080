package io.walflow.replica.repair;

import io.walflow.ingest.LogEntry;
import io.walflow.ingest.LogReader;
import io.walflow.ingest.LogRecord;
import io.walflow.ingest.change.Change;
import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.change.Column;
import io.walflow.ingest.change.RowChange;
import io.walflow.ingest.change.SchemaChange;
import io.walflow.ingest.change.SchemaOp;
import io.walflow.ingest.change.Value;
import io.walflow.ingest.digest.RowHasher;
import io.walflow.ingest.feed.ChangeFeed;
import io.walflow.ingest.feed.TransactionSink;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Rebuilds the rows of some digest buckets of one table exactly as of one LSN, from the capture
 * node's log alone: the first snapshot at or before the LSN, then every commit up to it, keeping
 * only the rows whose key falls in an asked bucket. The log's changes carry every row's after
 * image, so the answer is the table's rows at that LSN whatever capture is doing now, and the
 * replica can apply it at that LSN of its own stream. It costs a decode of the snapshot and the
 * commits after it (the capture node's CPU), not their transfer.
 */
final class BucketRowsReader {

  /** Why there is no answer. */
  enum Missing {
    /** No snapshot of the database at or before the LSN: the replica must bootstrap again. */
    NO_SNAPSHOT,
    /** The log does not reach the LSN yet. */
    NOT_YET,
    /** The table does not exist at the LSN. */
    NO_TABLE
  }

  /** The rows, or why there are none. */
  record Result(Optional<BucketRows> rows, Optional<Missing> missing, String detail) {}

  private BucketRowsReader() {}

  static Result read(Path dataDir, Path tempDir, String db, String table, long lsn, int buckets, int[] ids)
      throws IOException {
    BitSet wanted = new BitSet(buckets);
    for (int id : ids) {
      wanted.set(id);
    }
    Collector sink = new Collector(db, buckets, wanted);
    long newest = -1;
    // One pass from the start of the log: the first snapshot at or before the LSN and the commits
    // after it build the rows; a later retention snapshot of what the commits already built is skipped.
    try (LogReader reader = LogReader.open(dataDir).toStart(); ChangeFeed feed = new ChangeFeed(tempDir, sink)) {
      Optional<LogRecord> r;
      while ((r = reader.next(Optional.of(db), 0)).isPresent()) {
        LogEntry e = r.get().entry();
        newest = Math.max(newest, e.lsn());
        if (e.lsn() > lsn) {
          break;
        }
        if (e instanceof LogEntry.Snapshot && sink.base && e.lsn() == sink.builtLsn) {
          continue;
        }
        feed.accept(e);
      }
    }
    if (!sink.base) {
      return new Result(Optional.empty(), Optional.of(Missing.NO_SNAPSHOT),
          "the log holds no snapshot of '" + db + "' at or before LSN " + lsn + "; bootstrap from the newest snapshot");
    }
    if (newest < lsn) {
      return new Result(Optional.empty(), Optional.of(Missing.NOT_YET),
          "the log of '" + db + "' reaches LSN " + newest + ", not yet " + lsn);
    }
    List<String> columns = sink.columns.get(table);
    if (columns == null) {
      return new Result(Optional.empty(), Optional.of(Missing.NO_TABLE),
          "no table '" + table + "' in '" + db + "' at LSN " + lsn);
    }
    Map<List<Value>, List<Value>> rows = sink.rows.getOrDefault(table, Map.of());
    List<List<Value>> keys = new ArrayList<>(rows.keySet());
    List<List<Value>> values = new ArrayList<>(rows.values());
    int keyWidth = sink.keyWidth.getOrDefault(table, 1);
    return new Result(Optional.of(new BucketRows(db, table, lsn, buckets, ids, keyWidth, columns, keys, values)),
        Optional.empty(), "");
  }

  /** Keeps, per table, the columns and the rows of the wanted buckets, following renames and column changes. */
  private static final class Collector implements TransactionSink {
    final String db;
    final int buckets;
    final BitSet wanted;
    final Map<String, List<String>> columns = new HashMap<>();
    final Map<String, List<Column>> definitions = new HashMap<>();
    final Map<String, Integer> keyWidth = new HashMap<>();
    final Map<String, Map<List<Value>, List<Value>>> rows = new HashMap<>();
    /** Whether a whole snapshot was read (the rows are then those of {@link #builtLsn}). */
    boolean base;
    long builtLsn = -1;

    Collector(String db, int buckets, BitSet wanted) {
      this.db = db;
      this.buckets = buckets;
      this.wanted = wanted;
    }

    @Override
    public void snapshotBegin(String db, long lsn, Instant committedAt) {
      base = false;
      columns.clear();
      definitions.clear();
      keyWidth.clear();
      rows.clear();
    }

    @Override
    public void snapshotChange(String db, long lsn, Change change) {
      apply(change);
    }

    @Override
    public void snapshotEnd(String db, long lsn) {
      base = true;
      builtLsn = lsn;
    }

    @Override
    public void commit(String db, long lsn, Instant committedAt, ChangeSet changes) {
      if (!base) {
        return; // commits before the first snapshot in the log build nothing
      }
      builtLsn = lsn;
      changes.schemaChanges().forEach(this::apply);
      changes.rowChanges().forEach(this::apply);
    }

    private void apply(Change change) {
      if (change instanceof SchemaChange s) {
        schema(s);
        return;
      }
      RowChange r = (RowChange) change;
      List<Value> key = RowHasher.keyOf(r);
      keyWidth.put(r.table(), key.size());
      if (!wanted.get(RowHasher.bucket(RowHasher.keyHash(key), buckets))) {
        return;
      }
      Map<List<Value>, List<Value>> t = rows.computeIfAbsent(r.table(), n -> new LinkedHashMap<>());
      switch (r.op()) {
        case INSERT, UPDATE -> t.put(key, new ArrayList<>(r.after().values()));
        case DELETE -> t.remove(key);
      }
    }

    private void schema(SchemaChange s) {
      if (!s.op().isTableOp() || (s.op() == SchemaOp.CREATE_TABLE && s.columns().isEmpty())) {
        return;
      }
      String from = s.previousName().orElse(s.table());
      List<Column> before = definitions.remove(from);
      List<String> beforeNames = columns.remove(from);
      Map<List<Value>, List<Value>> held = rows.remove(from);
      Integer width = keyWidth.remove(from);
      if (s.op() == SchemaOp.DROP_TABLE) {
        return;
      }
      List<String> names = new ArrayList<>();
      s.columns().forEach(c -> names.add(c.name()));
      columns.put(s.table(), names);
      definitions.put(s.table(), s.columns());
      if (width != null) {
        keyWidth.put(s.table(), width);
      }
      if (s.op() == SchemaOp.ALTER_TABLE && held != null && before != null) {
        Map<List<Value>, List<Value>> moved = new LinkedHashMap<>();
        held.forEach((k, v) -> moved.put(k, remap(beforeNames, v, s.columns())));
        rows.put(s.table(), moved);
      }
    }

    /** A row in the columns before an ALTER, in the columns after it (new columns take their default). */
    private static List<Value> remap(List<String> before, List<Value> row, List<Column> after) {
      List<Value> out = new ArrayList<>(after.size());
      for (Column c : after) {
        int at = before.indexOf(c.previousName().orElse(c.name()));
        out.add(at >= 0 && at < row.size() ? row.get(at) : c.defaultValue().orElse(Value.ofNull()));
      }
      return out;
    }
  }
}
