package io.walflow.replica;

/** Whether a database is being applied. */
public enum ApplyState {
  /** No snapshot of the database has been applied yet: commits wait for one. */
  WAITING_FOR_SNAPSHOT,
  /** Applying in order. */
  OK,
  /** An LSN is missing: applying stopped until a snapshot replaces the database (repair is issue 5). */
  GAP,
  /** An entry was corrupt or undecodable, or the store failed: applying stopped. */
  STOPPED
}
