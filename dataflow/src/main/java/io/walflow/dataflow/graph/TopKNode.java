package io.walflow.dataflow.graph;

import io.walflow.dataflow.plan.Plan;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.TreeMap;

/**
 * ORDER BY … LIMIT … OFFSET per group. Keeps every row of each held group in order (so that a
 * deletion inside the window is refilled exactly, without an upquery) and emits the difference
 * between the group's window before and after each transaction.
 */
final class TopKNode extends Node {
  private final Plan.TopK topk;
  private final boolean partial;
  private final int[] groupColumns;
  private final Comparator<Row> order;
  private final Map<Key, Map<Key, TreeMap<Row, Integer>>> partitions = new HashMap<>();

  TopKNode(Plan.TopK plan, Node input, int[] partitionColumns, boolean partial) {
    super(plan, List.of(input), partitionColumns);
    this.topk = plan;
    this.partial = partial;
    this.groupColumns = plan.groupBy().stream().mapToInt(Integer::intValue).toArray();
    this.order = Semantics.rowOrder(plan.order());
    if (!partial) {
      partitions.put(Key.EMPTY, new ConcurrentHashMap<>());
    }
  }

  @Override
  void backfill() {
    if (partial) {
      return;
    }
    ingest(partitions.get(Key.EMPTY), inputs.get(0).pull(new int[0], Key.EMPTY));
  }

  private void ingest(Map<Key, TreeMap<Row, Integer>> groups, List<Row> rows) {
    for (Row r : rows) {
      add(groups.computeIfAbsent(Semantics.key(r, groupColumns), k -> new TreeMap<>(order)), r, 1);
    }
  }

  private static void add(TreeMap<Row, Integer> group, Row r, int w) {
    group.merge(r, w, (a, b) -> a + b == 0 ? null : a + b);
  }

  @Override
  boolean partial() {
    return partial;
  }

  /** The rows of the group's window (after OFFSET, at most LIMIT), with repetitions. */
  private List<Row> window(TreeMap<Row, Integer> group) {
    List<Row> out = new ArrayList<>();
    if (group == null) {
      return out;
    }
    long skip = topk.offset();
    for (Map.Entry<Row, Integer> e : group.entrySet()) {
      for (int i = 0; i < e.getValue(); i++) {
        if (skip > 0) {
          skip--;
        } else if (out.size() < topk.limit()) {
          out.add(e.getKey());
        } else {
          return out;
        }
      }
    }
    return out;
  }

  /**
   * By group: one group's window is updated by one worker thread (without
   * a key there is one state: not split).
   */
  @Override
  int[] shardColumns() {
    return groupColumns.length == 0 ? null : groupColumns;
  }

  private record Touched(Key partition, List<Row> old) {}

  @Override
  List<Delta> process(int port, List<Delta> deltas) {
    Map<Key, Touched> touched = new LinkedHashMap<>();
    for (Delta d : deltas) {
      Key part = partial ? Semantics.key(d.row(), partitionColumns) : Key.EMPTY;
      Map<Key, TreeMap<Row, Integer>> groups = partitions.get(part);
      if (groups == null) {
        continue;
      }
      Key gk = Semantics.key(d.row(), groupColumns);
      TreeMap<Row, Integer> group = groups.get(gk);
      if (!touched.containsKey(gk)) {
        touched.put(gk, new Touched(part, window(group)));
      }
      if (group == null) {
        group = new TreeMap<>(order);
        groups.put(gk, group);
      }
      add(group, d.row(), d.weight());
      if (group.isEmpty()) {
        groups.remove(gk);
      }
    }
    List<Delta> out = new ArrayList<>();
    for (Map.Entry<Key, Touched> t : touched.entrySet()) {
      List<Row> now = window(partitions.get(t.getValue().partition()).get(t.getKey()));
      Map<Row, Integer> diff = new HashMap<>();
      for (Row r : now) {
        add(diff, r, 1);
      }
      for (Row r : t.getValue().old()) {
        add(diff, r, -1);
      }
      diff.forEach((r, n) -> out.add(new Delta(r, n)));
    }
    return out;
  }

  @Override
  List<Row> pull(int[] columns, Key key) {
    Map<Key, TreeMap<Row, Integer>> groups;
    if (!partial) {
      groups = partitions.get(Key.EMPTY);
    } else {
      groups = partitions.get(key);
      if (groups == null) {
        groups = new ConcurrentHashMap<>();
        ingest(groups, inputs.get(0).pull(partitionColumns, key));
        partitions.put(key, groups);
      }
    }
    List<Row> out = new ArrayList<>();
    for (TreeMap<Row, Integer> g : groups.values()) {
      out.addAll(window(g));
    }
    return partial ? out : matching(out, columns, key);
  }

  @Override
  void evict(Key partition) {
    partitions.remove(partition);
  }

  @Override
  long partitionBytes(Key partition) {
    Map<Key, TreeMap<Row, Integer>> groups = partitions.get(partition);
    long b = 0;
    if (groups != null) {
      for (TreeMap<Row, Integer> g : groups.values()) {
        for (Row r : g.keySet()) {
          b += 48 + r.estimatedBytes();
        }
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
