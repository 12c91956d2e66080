package io.walflow.dataflow.graph;

import java.util.List;
import java.util.Set;

/**
 * The operators one view uses: its reader, every operator it holds a reference on (released when
 * the view is dropped), and its partial operators (evicted key by key with the reader's keys).
 */
public record ViewGraph(ReaderNode reader, List<Node> nodes, List<Node> partialNodes, Set<BaseTable> tables,
    boolean partial) {

  /** Estimated bytes one key holds in the reader and the partial operators below it. */
  public long keyBytes(Key key) {
    long b = reader.partitionBytes(key);
    for (Node n : partialNodes) {
      b += n.partitionBytes(key);
    }
    return b;
  }

  /** Forgets one key in the reader and every partial operator. */
  public void evict(Key key) {
    reader.evict(key);
    for (Node n : partialNodes) {
      n.evict(key);
    }
  }

  /** Estimated bytes of the full state this view's operators hold (shared operators included). */
  public long fullStateBytes() {
    long b = 0;
    for (Node n : nodes) {
      if (!n.partial()) {
        b += n.stateBytes();
      }
    }
    return b + (partial ? 0 : reader.stateBytes());
  }
}
