package io.walflow.dataflow.graph;

import io.walflow.dataflow.eval.RowPredicate;
import io.walflow.dataflow.plan.Plan;
import io.walflow.ingest.change.Value;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * INNER and LEFT equi-join with a hash index of each side's rows by join key (SQLite equality after
 * the plan's key affinities; a NULL key never matches). A delta on one side is joined with the
 * other side's state and then applied to its own side, so a transaction that changes both sides
 * (or a self-join) yields ΔL⋈R + L'⋈ΔR, each pair once. A LEFT join emits a left row padded with
 * NULLs while it has no match, and retracts it when the first match appears.
 *
 * <p>At most one side is partial (partitioned by the view's key, traced to that side's columns).
 * Deltas for unheld partitions are dropped; an upquery fills a partition of the partial side from
 * its input. The other side is then <em>lazy</em> when its key values compare as stored (see {@link
 * Graph}): it holds only the join keys of the partial side's held rows, filled from its input by
 * join key when the first such row arrives and forgotten when the last one goes; its deltas for
 * other join keys are dropped. Otherwise the other side is held in full.
 *
 * <p>A lazy fill during a transaction reads the other input after the transaction (inputs are
 * applied first); the other side's deltas of that transaction for that join key are then skipped,
 * which gives exactly ΔP⋈O' (no held row had that key before, so P⋈ΔO is empty there).
 */
final class JoinNode extends Node {
  private static final Value[] NO_PARAMS = {};
  /** The join key of a row with a NULL in it: stored (a LEFT join still shows the row), never matched. */
  private static final Key NULL_KEY = new Key(new Object[] {"NULL join key"});

  private final Plan.Join join;
  private final int[][] keys;
  /** -1: both sides full; 0 or 1: that side is partial. */
  private final int partialSide;
  private final int[] sidePartition;
  private final RowPredicate residual;
  private final int rightWidth;
  private final Side[] sides = {new Side(), new Side()};
  /** The side holding join keys lazily, or -1 (full join, or the other side is held in full). */
  private final int lazySide;
  /** Lazy join keys held, with how many rows of the partial side's held partitions have them. */
  private final Map<Key, Integer> refs = new HashMap<>();
  /** Lazy join keys filled during the current transaction (their deltas of it are in the fill). */
  private final java.util.Set<Key> filledNow = new java.util.HashSet<>();

  private static final class Side {
    final Map<Key, Map<Row, Integer>> byJoinKey = new HashMap<>();
    final Map<Key, Map<Row, Integer>> byPartition = new HashMap<>();
    long bytes;
  }

  /**
   * @param partialSide -1 for a full join, or the side (0 left, 1 right) whose columns hold the
   *     partition columns
   * @param lazy whether the other side of a partial join holds only the join keys it needs
   */
  JoinNode(Plan.Join plan, Node left, Node right, int[] partitionColumns, int partialSide, boolean lazy) {
    super(plan, List.of(left, right), partitionColumns);
    this.join = plan;
    this.keys = new int[][] {
      plan.leftKeys().stream().mapToInt(Integer::intValue).toArray(),
      plan.rightKeys().stream().mapToInt(Integer::intValue).toArray()
    };
    this.partialSide = partialSide;
    int leftWidth = plan.left().columns().size();
    this.rightWidth = plan.right().columns().size();
    this.sidePartition = Arrays.stream(partitionColumns).map(c -> partialSide == 1 ? c - leftWidth : c).toArray();
    this.residual = plan.residual().map(Semantics::predicate).orElse(null);
    this.lazySide = partialSide >= 0 && lazy ? 1 - partialSide : -1;
  }

  @Override
  boolean partial() {
    return partialSide >= 0;
  }

  @Override
  void backfill() {
    for (int s = 0; s < 2; s++) {
      if (s != partialSide && s != lazySide) {
        for (Row r : inputs.get(s).pull(new int[0], Key.EMPTY)) {
          store(s, r, 1, null);
        }
      }
    }
  }

  private Key joinKey(int side, Row r) {
    if (Semantics.hasNull(r, keys[side])) {
      return NULL_KEY;
    }
    return Semantics.key(r, keys[side], join.keyAffinities());
  }

  private void store(int side, Row r, int w, Key partition) {
    Side s = sides[side];
    Key jk = joinKey(side, r);
    Map<Row, Integer> bag = s.byJoinKey.computeIfAbsent(jk, k -> new HashMap<>());
    add(bag, r, w);
    if (bag.isEmpty()) {
      s.byJoinKey.remove(jk);
    }
    if (partition != null) {
      Map<Row, Integer> p = s.byPartition.get(partition);
      add(p, r, w);
    }
    s.bytes += w * (64 + r.estimatedBytes());
    if (side == partialSide && lazySide >= 0 && jk != NULL_KEY && refs.merge(jk, w, Integer::sum) == 0) {
      refs.remove(jk);
      Map<Row, Integer> gone = sides[lazySide].byJoinKey.remove(jk);
      if (gone != null) {
        gone.forEach((row, n) -> sides[lazySide].bytes -= n * (64 + row.estimatedBytes()));
      }
    }
  }

  /**
   * Makes the lazy side hold join key {@code jk} (before a partial-side row with it is stored):
   * fills it from the other input by join key. {@code inTransaction}: the fill already holds this
   * transaction's changes of that side, so its deltas for {@code jk} are skipped.
   */
  private void hold(Key jk, boolean inTransaction) {
    if (lazySide < 0 || jk == NULL_KEY || refs.containsKey(jk)) {
      return;
    }
    refs.put(jk, 0);
    for (Row r : inputs.get(lazySide).pull(keys[lazySide], jk)) {
      store(lazySide, r, 1, null);
    }
    if (inTransaction) {
      filledNow.add(jk);
    }
  }

  @Override
  void afterTransaction() {
    filledNow.clear();
  }

  private boolean matches(Row joined) {
    return residual == null || residual.test(joined.values(), NO_PARAMS);
  }

  private Row padded(Row left) {
    Value[] all = Arrays.copyOf(left.values(), left.size() + rightWidth);
    Arrays.fill(all, left.size(), all.length, Value.ofNull());
    return new Row(all);
  }

  /** Copies of right rows matching left row {@code l} (join key and residual). */
  private int matchCount(Row l, Key jk) {
    if (jk == NULL_KEY) {
      return 0;
    }
    int n = 0;
    for (Map.Entry<Row, Integer> e : sides[1].byJoinKey.getOrDefault(jk, Map.of()).entrySet()) {
      if (matches(l.concat(e.getKey()))) {
        n += e.getValue();
      }
    }
    return n;
  }

  /** The held partition a delta on {@code side} belongs to; null when it is not held; EMPTY when full. */
  private Key partitionOf(int side, Row r) {
    if (side != partialSide) {
      return Key.EMPTY;
    }
    Key p = Semantics.key(r, sidePartition);
    return sides[side].byPartition.containsKey(p) ? p : null;
  }

  @Override
  List<Delta> process(int port, List<Delta> deltas) {
    List<Delta> out = new ArrayList<>();
    for (Delta d : deltas) {
      Key part = partitionOf(port, d.row());
      if (part == null) {
        continue;
      }
      Key jk = joinKey(port, d.row());
      if (port == lazySide) {
        if (!refs.containsKey(jk) || filledNow.contains(jk)) {
          continue;
        }
      } else {
        hold(jk, true);
      }
      if (port == 0) {
        joinLeft(d.row(), jk, d.weight(), out);
      } else {
        joinRight(d.row(), jk, d.weight(), out);
      }
      store(port, d.row(), d.weight(), port == partialSide ? part : null);
    }
    return out;
  }

  private void joinLeft(Row l, Key jk, int w, List<Delta> out) {
    int matched = 0;
    if (jk != NULL_KEY) {
      for (Map.Entry<Row, Integer> e : sides[1].byJoinKey.getOrDefault(jk, Map.of()).entrySet()) {
        Row joined = l.concat(e.getKey());
        if (matches(joined)) {
          out.add(new Delta(joined, w * e.getValue()));
          matched += e.getValue();
        }
      }
    }
    if (join.leftOuter() && matched == 0) {
      out.add(new Delta(padded(l), w));
    }
  }

  private void joinRight(Row r, Key jk, int w, List<Delta> out) {
    if (jk == NULL_KEY) {
      return;
    }
    for (Map.Entry<Row, Integer> e : sides[0].byJoinKey.getOrDefault(jk, Map.of()).entrySet()) {
      Row l = e.getKey();
      int c = e.getValue();
      Row joined = l.concat(r);
      if (!matches(joined)) {
        continue;
      }
      int before = join.leftOuter() ? matchCount(l, jk) : 0;
      out.add(new Delta(joined, w * c));
      if (join.leftOuter()) {
        int after = before + w;
        if (before == 0 && after > 0) {
          out.add(new Delta(padded(l), -c));
        } else if (before > 0 && after == 0) {
          out.add(new Delta(padded(l), c));
        }
      }
    }
  }

  /** Every output row of the given left rows (with repetitions). */
  private List<Row> joinAll(Map<Row, Integer> leftRows) {
    List<Row> out = new ArrayList<>();
    List<Delta> deltas = new ArrayList<>();
    for (Map.Entry<Row, Integer> e : leftRows.entrySet()) {
      deltas.clear();
      joinLeft(e.getKey(), joinKey(0, e.getKey()), e.getValue(), deltas);
      for (Delta d : deltas) {
        for (int i = 0; i < d.weight(); i++) {
          out.add(d.row());
        }
      }
    }
    return out;
  }

  @Override
  List<Row> pull(int[] columns, Key key) {
    if (partialSide < 0) {
      Map<Row, Integer> all = new HashMap<>();
      sides[0].byJoinKey.values().forEach(bag -> bag.forEach((r, n) -> add(all, r, n)));
      return matching(joinAll(all), columns, key);
    }
    Side s = sides[partialSide];
    Map<Row, Integer> rows = s.byPartition.get(key);
    if (rows == null) {
      s.byPartition.put(key, new HashMap<>());
      for (Row r : inputs.get(partialSide).pull(sidePartition, key)) {
        hold(joinKey(partialSide, r), false);
        store(partialSide, r, 1, key);
      }
      rows = s.byPartition.get(key);
    }
    if (partialSide == 0) {
      return joinAll(rows);
    }
    List<Row> out = new ArrayList<>();
    for (Map.Entry<Row, Integer> e : rows.entrySet()) {
      Key jk = joinKey(1, e.getKey());
      if (jk == NULL_KEY) {
        continue;
      }
      for (Map.Entry<Row, Integer> l : sides[0].byJoinKey.getOrDefault(jk, Map.of()).entrySet()) {
        Row joined = l.getKey().concat(e.getKey());
        if (matches(joined)) {
          for (int i = 0; i < l.getValue() * e.getValue(); i++) {
            out.add(joined);
          }
        }
      }
    }
    return out;
  }

  @Override
  void evict(Key partition) {
    if (partialSide < 0) {
      return;
    }
    Map<Row, Integer> rows = sides[partialSide].byPartition.remove(partition);
    if (rows != null) {
      rows.forEach((r, n) -> store(partialSide, r, -n, null));
    }
  }

  @Override
  long partitionBytes(Key partition) {
    if (partialSide < 0) {
      return 0;
    }
    long b = 0;
    java.util.Set<Key> lazyKeys = new java.util.HashSet<>();
    for (Map.Entry<Row, Integer> e : sides[partialSide].byPartition.getOrDefault(partition, Map.of()).entrySet()) {
      b += 2 * e.getValue() * (64 + e.getKey().estimatedBytes());
      if (lazySide >= 0) {
        lazyKeys.add(joinKey(partialSide, e.getKey()));
      }
    }
    for (Key jk : lazyKeys) {
      for (Map.Entry<Row, Integer> e : sides[lazySide].byJoinKey.getOrDefault(jk, Map.of()).entrySet()) {
        b += e.getValue() * (64 + e.getKey().estimatedBytes());
      }
    }
    return b;
  }

  @Override
  long stateBytes() {
    return sides[0].bytes + sides[1].bytes;
  }

  @Override
  void clear() {
    for (Side s : sides) {
      s.byJoinKey.clear();
      s.byPartition.clear();
      s.bytes = 0;
    }
    refs.clear();
    filledNow.clear();
  }
}
