package io.walflow.dataflow.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A view's rows by key (the values of the view's key columns): what lookups read. A partial reader
 * holds only the keys that were read (filled by an upquery, dropped by eviction); a full one holds
 * every key. While a transaction is applied it remembers, for each subscribed key it changes, how
 * many times each row it changes was there before, so that subscribers get the difference without
 * the key's other rows being copied or compared.
 */
public final class ReaderNode extends Node {
  private final boolean partial;
  private final int[] keyColumns;
  private final Map<Key, Map<Row, Integer>> keys = new java.util.concurrent.ConcurrentHashMap<>();
  private final Set<Key> watched;
  /** Per watched key changed by the transaction: each changed row's multiplicity before it. */
  private final Map<Key, Map<Row, Integer>> before = new java.util.concurrent.ConcurrentHashMap<>();
  private final Set<Key> changed = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * @param watched the keys whose changes must be reported (subscribed keys); read on the graph's
   *     threads, changed only under the engine's lock
   */
  ReaderNode(Node input, int[] keyColumns, boolean partial, Set<Key> watched) {
    super(input.plan, List.of(input), keyColumns);
    this.partial = partial;
    this.keyColumns = keyColumns;
    this.watched = watched;
  }

  @Override
  boolean partial() {
    return partial;
  }

  @Override
  void backfill() {
    if (!partial) {
      for (Row r : inputs.get(0).pull(new int[0], Key.EMPTY)) {
        if (!Semantics.hasNull(r, keyColumns)) {
          add(keys.computeIfAbsent(Semantics.key(r, keyColumns), k -> new HashMap<>()), r, 1);
        }
      }
    }
  }

  /**
   * By lookup key: one key's rows are updated by one worker thread (without
   * a key there is one state: not split).
   */
  @Override
  int[] shardColumns() {
    return keyColumns.length == 0 ? null : keyColumns;
  }

  @Override
  List<Delta> process(int port, List<Delta> deltas) {
    for (Delta d : deltas) {
      if (Semantics.hasNull(d.row(), keyColumns)) {
        continue;
      }
      Key k = Semantics.key(d.row(), keyColumns);
      Map<Row, Integer> rows = keys.get(k);
      if (rows == null) {
        if (partial) {
          continue;
        }
        rows = new HashMap<>();
        keys.put(k, rows);
      }
      if (watched.contains(k)) {
        before.computeIfAbsent(k, x -> new HashMap<>()).putIfAbsent(d.row(), rows.getOrDefault(d.row(), 0));
      }
      changed.add(k);
      add(rows, d.row(), d.weight());
      if (rows.isEmpty() && !partial) {
        keys.remove(k);
      }
    }
    return List.of();
  }

  /** The key's multiplicity of {@code row} now (0 when absent or not held). */
  public int count(Key key, Row row) {
    Map<Row, Integer> bag = keys.get(key);
    return bag == null ? 0 : bag.getOrDefault(row, 0);
  }

  /** Whether the key's rows are materialized (always, for a full reader). */
  public boolean holds(Key key) {
    return !partial || keys.containsKey(key);
  }

  /** The key's rows when held (empty list for a full reader without them); null for a hole. */
  public List<Row> rows(Key key) {
    Map<Row, Integer> bag = keys.get(key);
    if (bag == null) {
      return partial ? null : List.of();
    }
    List<Row> out = new ArrayList<>();
    expand(bag, out);
    return out;
  }

  /** Fills a hole with an upquery through the graph. */
  public void fill(Key key) {
    Map<Row, Integer> bag = new HashMap<>();
    for (Row r : inputs.get(0).pull(keyColumns, key)) {
      add(bag, r, 1);
    }
    keys.put(key, bag);
  }

  /**
   * For each watched key this transaction changed, the multiplicity each of its changed rows had
   * before the transaction (0: it was not there); clears the record. The key's other rows are
   * unchanged.
   */
  public Map<Key, Map<Row, Integer>> takeBefore() {
    Map<Key, Map<Row, Integer>> out = new HashMap<>(before);
    before.clear();
    return out;
  }

  /** The keys this transaction changed; clears the record. */
  public Set<Key> takeChanged() {
    Set<Key> out = Set.copyOf(changed);
    changed.clear();
    return out;
  }

  @Override
  List<Row> pull(int[] columns, Key key) {
    throw new IllegalStateException("a reader has no consumers");
  }

  @Override
  void evict(Key key) {
    if (partial) {
      keys.remove(key);
    }
  }

  @Override
  long partitionBytes(Key key) {
    long b = 0;
    for (Map.Entry<Row, Integer> e : keys.getOrDefault(key, Map.of()).entrySet()) {
      b += 48 + e.getKey().estimatedBytes();
    }
    return b;
  }

  @Override
  long stateBytes() {
    long b = 0;
    for (Key k : keys.keySet()) {
      b += partitionBytes(k);
    }
    return b;
  }

  /** The number of keys held. */
  public int size() {
    return keys.size();
  }

  @Override
  void clear() {
    keys.clear();
    before.clear();
    changed.clear();
  }
}
