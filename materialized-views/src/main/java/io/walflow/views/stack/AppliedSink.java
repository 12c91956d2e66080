package io.walflow.views.stack;

import io.walflow.ingest.change.Change;
import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.feed.TransactionSink;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Passes transactions to the engine and remembers, per database, the last LSN it has applied. */
final class AppliedSink implements TransactionSink {
  private final TransactionSink engine;
  private final Map<String, Long> applied = new ConcurrentHashMap<>();

  AppliedSink(TransactionSink engine) {
    this.engine = engine;
  }

  @Override
  public void snapshotBegin(String db, long lsn, Instant committedAt) {
    engine.snapshotBegin(db, lsn, committedAt);
  }

  @Override
  public void snapshotChange(String db, long lsn, Change change) {
    engine.snapshotChange(db, lsn, change);
  }

  @Override
  public void snapshotEnd(String db, long lsn) {
    engine.snapshotEnd(db, lsn);
    applied.put(db, lsn);
  }

  @Override
  public void commit(String db, long lsn, Instant committedAt, ChangeSet changes) {
    engine.commit(db, lsn, committedAt, changes);
    applied.put(db, lsn);
  }

  /** The last LSN of {@code db} applied (a snapshot's or a commit's), or -1 before its first snapshot. */
  long applied(String db) {
    return applied.getOrDefault(db, -1L);
  }
}
