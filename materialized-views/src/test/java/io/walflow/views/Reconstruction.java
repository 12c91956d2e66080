package io.walflow.views;

import io.walflow.ingest.change.ChangeJson;
import io.walflow.ingest.change.Value;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What a subscriber holds: the rows of its last snapshot with every later delta applied (as a bag).
 * Fails on a delta that does not follow the previous event's LSN or deletes a row not held.
 */
public final class Reconstruction {
  public volatile long lsn = -1;
  public int snapshots;
  public int resyncs;
  public int deltas;
  private final List<List<Value>> rows = new ArrayList<>();

  public synchronized void apply(ViewEvent e) {
    if (e.lsn() < lsn) {
      throw new AssertionError("event at LSN " + e.lsn() + " after LSN " + lsn);
    }
    if (e instanceof ViewEvent.Snapshot s) {
      if (lsn >= 0 && !s.resync()) {
        throw new AssertionError("a second snapshot at LSN " + s.lsn() + " not flagged resync");
      }
      rows.clear();
      rows.addAll(s.rows());
      snapshots++;
      if (s.resync()) {
        resyncs++;
      }
    } else if (e instanceof ViewEvent.Delta d) {
      if (lsn < 0) {
        throw new AssertionError("delta at LSN " + d.lsn() + " before any snapshot");
      }
      if (d.lsn() == lsn) {
        throw new AssertionError("two events for LSN " + d.lsn());
      }
      for (List<Value> r : d.deleted()) {
        if (!rows.remove(r)) {
          throw new AssertionError("delta at LSN " + d.lsn() + " deletes " + r + ", which is not held");
        }
      }
      rows.addAll(d.inserted());
      deltas++;
    }
    lsn = e.lsn();
  }

  public synchronized List<List<Value>> rows() {
    return List.copyOf(rows);
  }

  public synchronized List<String> sortedRows() {
    return sorted(rows);
  }

  /** Rows as comparable strings (storage class and value), sorted: a bag's canonical form. */
  public static List<String> sorted(List<List<Value>> rows) {
    List<String> out = new ArrayList<>();
    for (List<Value> r : rows) {
      StringBuilder sb = new StringBuilder();
      for (Value v : r) {
        sb.append(v.storageClass()).append(':').append(ChangeJson.toJson(v)).append('|');
      }
      out.add(sb.toString());
    }
    out.sort(Comparator.naturalOrder());
    return out;
  }
}
