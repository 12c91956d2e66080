package io.walflow.replica;

/** Whether a database is being applied. */
public enum ApplyState {
  /** No snapshot of the database has been applied yet: commits wait for one. */
  WAITING_FOR_SNAPSHOT,
  /** Applying in order. */
  OK,
  /**
   * An LSN is missing: applying stopped until the range is fetched from the capture node (when
   * repair is configured) or a snapshot replaces the database.
   */
  GAP,
  /** A gap is being filled from the capture node's log; reads are served from the last applied LSN. */
  REPAIRING,
  /** An entry was corrupt or undecodable, or the store failed: applying stopped. */
  STOPPED,
  /**
   * A write was refused for lack of disk space (the free-space floor or RocksDB's own error):
   * applying is paused at the transaction that failed, which is tried again every second and
   * applied once space is back; nothing after it is read meanwhile.
   */
  DISK_FULL
}
