package io.walflow.dataflow.graph;

import io.walflow.dataflow.plan.Plan;
import io.walflow.dataflow.plan.ViewPlan;
import io.walflow.dataflow.state.BaseStore;
import io.walflow.ingest.change.Value;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A view being added while the stream flows (Noria's migration), without pausing other views.
 *
 * <p>Started under the engine's transaction lock ({@link Graph#migrate}): a RocksDB snapshot of the
 * base tables at the current watermark is taken and every later transaction of the view's database
 * is queued here. Then, off the lock, {@link #build()} creates <em>private</em> copies of all the
 * view's operators (sharing nothing with the live graph, so no live state is read while it changes)
 * and backfills them from the snapshot, and {@link #catchUp()} replays the queued transactions
 * through them. Under the lock again, a last {@link #catchUp()} brings them to the watermark and
 * {@link Graph#finish} joins them to the live graph, swapping in the live operators for equal
 * sub-plans. Other views keep applying transactions during the build and the replay.
 *
 * <p>A schema change or a snapshot of the database while it runs makes it {@link #stale()}: the
 * engine abandons it and starts again. The thread that builds it is the only one touching its
 * operators; transactions arrive through a concurrent queue.
 */
public final class Migration {
  final String view;
  final ViewPlan plan;
  final boolean partial;
  final Set<Key> watched;
  final Map<Plan.Scan, BaseTable> tables;
  final BaseStore.Snapshot snapshot;
  /** Private operators by sharing identity, and back. */
  final Map<Object, Node> built = new LinkedHashMap<>();
  final Map<Node, Object> identities = new IdentityHashMap<>();
  ReaderNode reader;
  private final Graph graph;
  private final ConcurrentLinkedQueue<Map<BaseTable, List<Value[][]>>> queue = new ConcurrentLinkedQueue<>();
  private volatile boolean stale;
  private List<Node> order;
  private long replayed;

  Migration(Graph graph, String view, ViewPlan plan, boolean partial, Set<Key> watched,
      Map<Plan.Scan, BaseTable> tables, BaseStore.Snapshot snapshot) {
    this.graph = graph;
    this.view = view;
    this.plan = plan;
    this.partial = partial;
    this.watched = watched;
    this.tables = tables;
    this.snapshot = snapshot;
  }

  int[] keyColumns() {
    return plan.keyColumns().stream().mapToInt(Integer::intValue).toArray();
  }

  /** Whether the view's state will be partial (its key traces to its stateful operators). */
  public boolean partial() {
    return partial;
  }

  /**
   * Builds and backfills the private operators from the snapshot (off the lock).
   *
   * @throws MissingTableException when a scanned column no longer exists
   * @throws io.walflow.dataflow.eval.SqliteEvalException when a row cannot be computed
   */
  public void build() {
    graph.buildPrivately(this);
    order = new ArrayList<>(identities.keySet());
    order.add(reader);
    order.sort(Comparator.comparingInt(n -> n.depth));
  }

  /** Queues one transaction's row changes, by table, as the live graph applied them (under the lock). */
  void enqueue(Map<BaseTable, List<Value[][]>> byTable) {
    if (!stale) {
      queue.add(byTable);
    }
  }

  /**
   * Applies the queued transactions to the private operators, in order; off the lock while other
   * views go on, and once more under it before {@link Graph#finish}.
   *
   * @throws io.walflow.dataflow.eval.SqliteEvalException when a row cannot be computed
   */
  public void catchUp() {
    Map<BaseTable, List<Value[][]>> txn;
    while ((txn = queue.poll()) != null) {
      Map<Node, List<Delta>[]> pending = new IdentityHashMap<>();
      for (Node n : order) {
        if (n instanceof ScanNode scan && txn.containsKey(scan.table())) {
          List<Delta> deltas = new ArrayList<>();
          for (Value[][] change : txn.get(scan.table())) {
            if (change[0] != null) {
              deltas.add(Delta.delete(scan.project(change[0])));
            }
            if (change[1] != null) {
              deltas.add(Delta.insert(scan.project(change[1])));
            }
          }
          for (Node.Edge e : scan.outputs) {
            Graph.pending(pending, e).addAll(deltas);
          }
        }
      }
      Graph.propagate(order, pending, null);
      replayed++;
    }
  }

  /** How many transactions that arrived during the build were replayed into it. */
  public long replayed() {
    return replayed;
  }

  /** Estimated bytes of the full state the view will hold (operators it may share included). */
  public long fullStateBytes() {
    long b = 0;
    for (Node n : identities.keySet()) {
      if (!n.partial()) {
        b += n.stateBytes();
      }
    }
    return b + (partial || reader == null ? 0 : reader.stateBytes());
  }

  void invalidate() {
    stale = true;
    queue.clear();
  }

  /** True when a schema change or snapshot of its database arrived: it must be started again. */
  public boolean stale() {
    return stale;
  }

  void close() {
    snapshot.close();
  }
}
