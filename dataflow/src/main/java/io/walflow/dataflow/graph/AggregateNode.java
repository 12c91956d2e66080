package io.walflow.dataflow.graph;

import io.walflow.dataflow.plan.AggCall;
import io.walflow.dataflow.plan.Plan;
import io.walflow.ingest.change.Value;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * GROUP BY with retractable aggregates. Emits, per group a transaction changed, -old and +new (or
 * only one of them when the group appeared or emptied), and nothing when the row is unchanged.
 * Partitioned by group columns (a partial aggregate's partition key is a subset of its groups).
 */
final class AggregateNode extends Node {
  private final Plan.Aggregate agg;
  private final boolean partial;
  private final int[] groupColumns;
  private final int[] inputPartition;
  private final Map<Key, Map<Key, Group>> partitions = new HashMap<>();

  private final class Group {
    final Row values;
    final Accumulator[] accs;
    long rows;

    Group(Row values) {
      this.values = values;
      accs = new Accumulator[agg.calls().size()];
      for (int i = 0; i < accs.length; i++) {
        accs[i] = Accumulator.of(agg.calls().get(i));
      }
    }

    void add(Row in, int weight) {
      rows += weight;
      for (int i = 0; i < accs.length; i++) {
        AggCall c = agg.calls().get(i);
        accs[i].add(c.arg().isPresent() ? in.get(c.arg().getAsInt()) : Value.ofNull(), weight);
      }
    }

    Row output() {
      Value[] out = new Value[groupColumns.length + accs.length];
      for (int i = 0; i < groupColumns.length; i++) {
        out[i] = values.get(i);
      }
      for (int i = 0; i < accs.length; i++) {
        out[groupColumns.length + i] = accs[i].result();
      }
      return new Row(out);
    }

    long bytes() {
      long b = 64 + values.estimatedBytes();
      for (Accumulator a : accs) {
        b += a.bytes();
      }
      return b;
    }
  }

  AggregateNode(Plan.Aggregate plan, Node input, int[] partitionColumns, boolean partial) {
    super(plan, List.of(input), partitionColumns);
    this.agg = plan;
    this.partial = partial;
    this.groupColumns = plan.groupBy().stream().mapToInt(Integer::intValue).toArray();
    this.inputPartition = new int[partitionColumns.length];
    for (int i = 0; i < partitionColumns.length; i++) {
      inputPartition[i] = groupColumns[partitionColumns[i]];
    }
    if (!partial) {
      partitions.put(Key.EMPTY, new ConcurrentHashMap<>());
    }
  }

  /** Loads a full aggregate's state from its input. */
  @Override
  void backfill() {
    if (partial) {
      return;
    }
    ingest(partitions.get(Key.EMPTY), inputs.get(0).pull(new int[0], Key.EMPTY));
  }

  private void ingest(Map<Key, Group> groups, List<Row> rows) {
    for (Row r : rows) {
      groups.computeIfAbsent(Semantics.key(r, groupColumns), k -> new Group(r.select(groupColumns))).add(r, 1);
    }
  }

  @Override
  boolean partial() {
    return partial;
  }

  /**
   * By group: one group's state is updated by one worker thread (without
   * a key there is one state: not split).
   */
  @Override
  int[] shardColumns() {
    return groupColumns.length == 0 ? null : groupColumns;
  }

  private record Touched(Key partition, Key group, Row old) {}

  @Override
  List<Delta> process(int port, List<Delta> deltas) {
    Map<Key, Touched> touched = new LinkedHashMap<>();
    for (Delta d : deltas) {
      Key part = partial ? Semantics.key(d.row(), inputPartition) : Key.EMPTY;
      Map<Key, Group> groups = partitions.get(part);
      if (groups == null) {
        continue;
      }
      Key gk = Semantics.key(d.row(), groupColumns);
      Group g = groups.get(gk);
      if (!touched.containsKey(gk)) {
        touched.put(gk, new Touched(part, gk, g == null ? null : g.output()));
      }
      if (g == null) {
        g = new Group(d.row().select(groupColumns));
        groups.put(gk, g);
      }
      g.add(d.row(), d.weight());
      if (g.rows == 0) {
        groups.remove(gk);
      }
    }
    List<Delta> out = new ArrayList<>();
    for (Touched t : touched.values()) {
      Group g = partitions.get(t.partition()).get(t.group());
      Row now = g == null ? null : g.output();
      if (Objects.equals(now, t.old())) {
        continue;
      }
      if (t.old() != null) {
        out.add(Delta.delete(t.old()));
      }
      if (now != null) {
        out.add(Delta.insert(now));
      }
    }
    return out;
  }

  @Override
  List<Row> pull(int[] columns, Key key) {
    if (!partial) {
      return matching(outputs(partitions.get(Key.EMPTY)), columns, key);
    }
    Map<Key, Group> groups = partitions.get(key);
    if (groups == null) {
      groups = new ConcurrentHashMap<>();
      ingest(groups, inputs.get(0).pull(inputPartition, key));
      partitions.put(key, groups);
    }
    return outputs(groups);
  }

  private List<Row> outputs(Map<Key, Group> groups) {
    List<Row> out = new ArrayList<>(groups.size());
    for (Group g : groups.values()) {
      out.add(g.output());
    }
    return out;
  }

  @Override
  void evict(Key partition) {
    partitions.remove(partition);
  }

  @Override
  long partitionBytes(Key partition) {
    Map<Key, Group> groups = partitions.get(partition);
    long b = 0;
    if (groups != null) {
      for (Group g : groups.values()) {
        b += g.bytes();
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
