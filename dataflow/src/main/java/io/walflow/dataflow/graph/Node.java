package io.walflow.dataflow.graph;

import io.walflow.dataflow.plan.Plan;
import java.util.ArrayList;
import java.util.List;

/**
 * One operator of the graph: consumes signed deltas on its input ports and emits signed deltas,
 * and answers upqueries ({@link #pull}) for the rows of its output with given column values.
 *
 * <p>A stateful operator keeps its state in <em>partitions</em>: the values of its {@link
 * #partitionColumns()} (output columns traced from the view's key). A full operator has no
 * partition columns and holds its one partition from creation on. A partial operator holds only the
 * partitions an upquery filled; a delta for a partition it does not hold is dropped (nothing
 * downstream holds rows derived from it), and {@link #evict} forgets one.
 *
 * <p>Operators are driven by {@link Graph} one transaction at a time; they are not thread-safe but
 * never touch another component's operators.
 */
public abstract class Node {
  /** Where an operator's output goes: a consumer and its input port. */
  public record Edge(Node to, int port) {}

  final Plan plan;
  /** Its inputs by port; replaced only when a view built off the lock joins the live graph. */
  final List<Node> inputs;
  final List<Edge> outputs = new ArrayList<>();
  /** Output columns of the partition key (empty: full state, or stateless). */
  final int[] partitionColumns;
  /** Views using this operator; released when it reaches zero. */
  int refs;
  /** Position in a topological order (inputs first). */
  final int depth;

  Node(Plan plan, List<Node> inputs, int[] partitionColumns) {
    this.plan = plan;
    this.inputs = new ArrayList<>(inputs);
    this.partitionColumns = partitionColumns;
    int d = 0;
    for (Node in : inputs) {
      d = Math.max(d, in.depth + 1);
    }
    this.depth = d;
  }

  /** The plan this operator computes. */
  public Plan plan() {
    return plan;
  }

  /** Output columns of its partition key; empty for a full or stateless operator. */
  public int[] partitionColumns() {
    return partitionColumns.clone();
  }

  /** True when it holds only the partitions upqueries filled. */
  abstract boolean partial();

  /**
   * Applies the deltas arriving on input {@code port} and returns this operator's output deltas.
   * Within one transaction the graph calls ports in order. An operator with {@link #shardColumns()}
   * may be called concurrently for one port, each call with the deltas of a disjoint set of shard
   * keys (its state maps are concurrent; each key's state is touched by one call).
   */
  abstract List<Delta> process(int port, List<Delta> deltas);

  /**
   * The output rows whose {@code columns} have the values of {@code key} (every row when {@code
   * columns} is empty). A partial operator is only asked for its partition columns: it answers from
   * its state when it holds the partition, and otherwise fills it from its inputs first.
   */
  abstract List<Row> pull(int[] columns, Key key);

  /**
   * How a transaction's deltas on an input may be split across worker threads: null, not at all
   * (joins, unions); empty, anywhere (stateless operators); otherwise by the values of these input
   * columns (deltas with SQLite-equal values go to the same shard, so one key's state is updated by
   * one thread, in order).
   */
  int[] shardColumns() {
    return null;
  }

  /** Loads a full stateful operator's state from its inputs, right after it is created. */
  void backfill() {}

  /** Called once a transaction went through the operator (after its last input port). */
  void afterTransaction() {}

  /** Forgets one partition of a partial operator. */
  void evict(Key partition) {}

  /** Estimated heap bytes of the state it holds. */
  long stateBytes() {
    return 0;
  }

  /** Estimated heap bytes of one partition's state (0 when not held). */
  long partitionBytes(Key partition) {
    return 0;
  }

  /** Forgets all state (before the operator is dropped or rebuilt). */
  void clear() {}

  /** Rows of {@code rows} whose {@code columns} equal {@code key}. */
  static List<Row> matching(List<Row> rows, int[] columns, Key key) {
    if (columns.length == 0) {
      return rows;
    }
    List<Row> out = new ArrayList<>();
    for (Row r : rows) {
      if (!Semantics.hasNull(r, columns) && Semantics.key(r, columns).equals(key)) {
        out.add(r);
      }
    }
    return out;
  }

  /** Bag helpers: rows with multiplicities. */
  static void add(java.util.Map<Row, Integer> bag, Row row, int weight) {
    bag.merge(row, weight, (a, b) -> a + b == 0 ? null : a + b);
  }

  static void expand(java.util.Map<Row, Integer> bag, List<Row> out) {
    bag.forEach((r, n) -> {
      for (int i = 0; i < n; i++) {
        out.add(r);
      }
    });
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + (partial() ? "(partial)" : "");
  }
}
