package io.walflow.dataflow.graph;

import io.walflow.dataflow.plan.Plan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * DISTINCT (and UNION): each row once, with SQLite's equality (1 and 1.0 are one row, NULLs are
 * equal). Counts the copies of each distinct row; emits it when the count leaves zero and retracts
 * it when the count returns to zero.
 */
final class DistinctNode extends Node {
  private final boolean partial;
  private final Map<Key, Map<Key, Entry>> partitions = new HashMap<>();

  private static final class Entry {
    final Row shown;
    int copies;

    Entry(Row shown) {
      this.shown = shown;
    }
  }

  DistinctNode(Plan plan, Node input, int[] partitionColumns, boolean partial) {
    super(plan, List.of(input), partitionColumns);
    this.partial = partial;
    if (!partial) {
      partitions.put(Key.EMPTY, new ConcurrentHashMap<>());
    }
  }

  @Override
  void backfill() {
    if (partial) {
      return;
    }
    ingest(partitions.get(Key.EMPTY), inputs.get(0).pull(new int[0], Key.EMPTY), null);
  }

  @Override
  boolean partial() {
    return partial;
  }

  private void ingest(Map<Key, Entry> rows, List<Row> in, List<Delta> out) {
    for (Row r : in) {
      apply(rows, new Delta(r, 1), out);
    }
  }

  private static void apply(Map<Key, Entry> rows, Delta d, List<Delta> out) {
    Key k = Semantics.key(d.row());
    Entry e = rows.get(k);
    if (e == null) {
      e = new Entry(d.row());
      rows.put(k, e);
    }
    int before = e.copies;
    e.copies += d.weight();
    if (before <= 0 && e.copies > 0 && out != null) {
      out.add(Delta.insert(e.shown));
    } else if (before > 0 && e.copies <= 0 && out != null) {
      out.add(Delta.delete(e.shown));
    }
    if (e.copies == 0) {
      rows.remove(k);
    }
  }

  /** By row: one distinct row's count is updated by one worker thread. */
  @Override
  int[] shardColumns() {
    return java.util.stream.IntStream.range(0, plan.columns().size()).toArray();
  }

  @Override
  List<Delta> process(int port, List<Delta> deltas) {
    List<Delta> out = new ArrayList<>();
    for (Delta d : deltas) {
      Map<Key, Entry> rows = partitions.get(partial ? Semantics.key(d.row(), partitionColumns) : Key.EMPTY);
      if (rows != null) {
        apply(rows, d, out);
      }
    }
    return out;
  }

  @Override
  List<Row> pull(int[] columns, Key key) {
    Map<Key, Entry> rows;
    if (!partial) {
      rows = partitions.get(Key.EMPTY);
    } else {
      rows = partitions.get(key);
      if (rows == null) {
        rows = new ConcurrentHashMap<>();
        ingest(rows, inputs.get(0).pull(partitionColumns, key), null);
        partitions.put(key, rows);
      }
    }
    List<Row> out = new ArrayList<>();
    for (Entry e : rows.values()) {
      if (e.copies > 0) {
        out.add(e.shown);
      }
    }
    return partial ? out : matching(out, columns, key);
  }

  @Override
  void evict(Key partition) {
    partitions.remove(partition);
  }

  @Override
  long partitionBytes(Key partition) {
    Map<Key, Entry> rows = partitions.get(partition);
    long b = 0;
    if (rows != null) {
      for (Entry e : rows.values()) {
        b += 64 + 2 * e.shown.estimatedBytes();
      }
    }
    return b;
  }

  @Override
  long stateBytes() {
    long b = 0;
    for (Key p : partitions.keySet()) {
      b += partitionBytes(p);
    }
    return b;
  }

  @Override
  void clear() {
    partitions.clear();
  }
}
