package io.walflow.dataflow.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * Splits one operator's share of a transaction across the worker threads (Noria's sharding): the
 * deltas arriving on an input are divided by the operator's {@link Node#shardColumns()} (by key:
 * aggregates and top-k by group, DISTINCT by row, readers by lookup key; stateless filters and
 * projections anywhere), the shards are processed in parallel on the pool, and the operator's
 * output is their concatenation. The call returns only when every shard is done: that is the
 * per-transaction barrier at each sharded operator, and the graph publishes a transaction only after
 * its last operator returned. Joins and unions are not split.
 */
final class Shards {
  /** Fewer deltas than this per shard are processed on the calling thread. */
  static final int MIN_DELTAS_PER_SHARD = 2;

  private final ForkJoinPool pool;
  private final int count;

  Shards(ForkJoinPool pool) {
    this.pool = pool;
    this.count = pool.getParallelism();
  }

  /** The pool the graph's work runs in (components and shards). */
  ForkJoinPool pool() {
    return pool;
  }

  /** Applies {@code deltas} on {@code port} of {@code n}, sharded when it allows it and it pays. */
  List<Delta> process(Node n, int port, List<Delta> deltas) {
    int[] columns = n.shardColumns();
    if (columns == null || count < 2 || deltas.size() < 2 * MIN_DELTAS_PER_SHARD) {
      return n.process(port, deltas);
    }
    int shards = Math.min(count, deltas.size() / MIN_DELTAS_PER_SHARD);
    List<List<Delta>> parts = new ArrayList<>(shards);
    for (int i = 0; i < shards; i++) {
      parts.add(new ArrayList<>());
    }
    if (columns.length == 0) {
      int size = (deltas.size() + shards - 1) / shards;
      for (int i = 0; i < deltas.size(); i++) {
        parts.get(i / size).add(deltas.get(i));
      }
    } else {
      for (Delta d : deltas) {
        parts.get(Math.floorMod(Semantics.key(d.row(), columns).hashCode(), shards)).add(d);
      }
    }
    List<ForkJoinTask<List<Delta>>> tasks = new ArrayList<>(shards);
    for (List<Delta> part : parts) {
      if (!part.isEmpty()) {
        tasks.add(ForkJoinTask.adapt(() -> n.process(port, part)));
      }
    }
    if (ForkJoinTask.inForkJoinPool() && ForkJoinTask.getPool() == pool) {
      ForkJoinTask.invokeAll(tasks);
    } else {
      tasks.forEach(pool::execute);
    }
    List<Delta> out = new ArrayList<>();
    for (ForkJoinTask<List<Delta>> t : tasks) {
      out.addAll(t.join());
    }
    return out;
  }
}
