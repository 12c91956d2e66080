package io.walflow.ingest.feed;

import io.walflow.ingest.change.Change;
import io.walflow.ingest.change.ChangeSet;
import java.time.Instant;

/**
 * Receives the transactions of a {@link ChangeFeed}, per database in LSN order, on the thread
 * that feeds it.
 *
 * <p>A snapshot replaces everything a consumer holds of a database: {@link #snapshotBegin}, then
 * every schema object as a CREATE and every row as an insert ({@link #snapshotChange}), then
 * {@link #snapshotEnd}. After it the consumer's state for that database is the database as of the
 * snapshot's LSN. A consumer that must stay atomic applies a snapshot's changes to a staging area
 * and publishes them at {@link #snapshotEnd}.
 */
public interface TransactionSink {

  /** A snapshot of {@code db} as of {@code lsn} begins: forget what is held of {@code db}. */
  void snapshotBegin(String db, long lsn, Instant committedAt);

  /**
   * One change of the snapshot in progress: schema CREATEs first (tables, then indexes, views and
   * triggers), then each table's rows as inserts.
   */
  void snapshotChange(String db, long lsn, Change change);

  /** The snapshot of {@code db} at {@code lsn} is complete. */
  void snapshotEnd(String db, long lsn);

  /** One committed transaction: its schema changes, then its row changes. */
  void commit(String db, long lsn, Instant committedAt, ChangeSet changes);
}
