package io.walflow.ingest.feed;

/**
 * A log entry could not be turned into changes: it carries no decoded changes (capture ran with
 * {@code --no-changes}), its changes are malformed, or a snapshot's pages do not decode. The
 * message names the database and LSN. Nothing of the entry has been handed to the sink when the
 * entry is a commit; for a snapshot, {@link TransactionSink#snapshotEnd} is never called.
 */
public final class FeedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String db;
  private final long lsn;

  public FeedException(String db, long lsn, String message, Throwable cause) {
    super(db + " LSN " + lsn + ": " + message, cause);
    this.db = db;
    this.lsn = lsn;
  }

  public String db() {
    return db;
  }

  public long lsn() {
    return lsn;
  }
}
