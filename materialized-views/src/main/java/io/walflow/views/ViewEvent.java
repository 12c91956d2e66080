package io.walflow.views;

import io.walflow.ingest.change.Value;
import java.util.List;

/**
 * One event of a view subscription. A subscription is a {@link Snapshot}, then a {@link Delta} for
 * each later source transaction that changed the subscribed rows, in LSN order, with {@link
 * Progress} events in between; a further snapshot (flagged {@code resync}) replaces everything a
 * subscriber holds when its deltas could not be delivered one by one (see {@code docs/views.md}).
 */
public sealed interface ViewEvent permits ViewEvent.Snapshot, ViewEvent.Delta, ViewEvent.Progress {

  /** The LSN of the view's database this event is valid at. */
  long lsn();

  /**
   * The subscribed rows as of {@code lsn}, in the query's ORDER BY order when it has one.
   *
   * @param resync true when this snapshot replaces a history the subscriber could not receive
   *     delta by delta (resume beyond the history, or a subscriber too slow for its buffer)
   */
  record Snapshot(long lsn, List<String> columns, List<List<Value>> rows, boolean resync) implements ViewEvent {
    public Snapshot {
      columns = List.copyOf(columns);
      rows = rows.stream().map(List::copyOf).toList();
    }
  }

  /**
   * How the transaction at {@code lsn} changed the subscribed rows (never empty; rows are bags, an
   * updated row is one deletion and one insertion).
   */
  record Delta(long lsn, List<List<Value>> inserted, List<List<Value>> deleted) implements ViewEvent {
    public Delta {
      inserted = inserted.stream().map(List::copyOf).toList();
      deleted = deleted.stream().map(List::copyOf).toList();
    }
  }

  /**
   * The view has applied every transaction up to {@code lsn} and every delta up to it was
   * delivered: resuming from {@code lsn} is exact. Sent at an interval, also when nothing changes.
   */
  record Progress(long lsn) implements ViewEvent {}
}
