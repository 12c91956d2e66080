package io.walflow.views.stack;

import io.walflow.ingest.change.Change;
import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.feed.TransactionSink;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** Passes transactions to the engine and remembers, per database, the last LSN it has applied. */
final class AppliedSink implements TransactionSink {
  private static final Logger LOG = LoggerFactory.getLogger(AppliedSink.class);
  private final TransactionSink engine;
  private final Map<String, Long> applied = new ConcurrentHashMap<>();
  private volatile ApplyListener listener = (db, nanos) -> { };

  /** Told, on the follower's thread, how long the engine took to apply each committed transaction. */
  @FunctionalInterface
  interface ApplyListener {
    void applied(String db, long nanos);
  }

  AppliedSink(TransactionSink engine) {
    this.engine = engine;
  }

  @Override
  public void snapshotBegin(String db, long lsn, Instant committedAt) {
    LOG.info("{}: applying the snapshot at LSN {} to the views' engine", db, lsn);
    engine.snapshotBegin(db, lsn, committedAt);
  }

  @Override
  public void snapshotChange(String db, long lsn, Change change) {
    engine.snapshotChange(db, lsn, change);
  }

  @Override
  public void snapshotEnd(String db, long lsn) {
    engine.snapshotEnd(db, lsn);
    LOG.info("{}: snapshot at LSN {} applied", db, lsn);
    applied.put(db, lsn);
  }

  @Override
  public void commit(String db, long lsn, Instant committedAt, ChangeSet changes) {
    MDC.put("db", db);
    MDC.put("lsn", Long.toString(lsn));
    try {
      long t0 = System.nanoTime();
      engine.commit(db, lsn, committedAt, changes);
      listener.applied(db, System.nanoTime() - t0);
      applied.put(db, lsn);
    } finally {
      MDC.remove("db");
      MDC.remove("lsn");
    }
  }

  void onApplied(ApplyListener l) {
    listener = l;
  }

  /** The last LSN of {@code db} applied (a snapshot's or a commit's), or -1 before its first snapshot. */
  long applied(String db) {
    return applied.getOrDefault(db, -1L);
  }
}
