package io.walflow.replica;

import java.time.Instant;
import java.util.Optional;

/**
 * One database at a replica.
 *
 * @param lsn the applied LSN ({@code -1} before the first snapshot)
 * @param committedAt the commit time (as capture saw it) of the applied LSN
 * @param newestLsn the newest LSN the replica has seen in its source
 * @param lagLsns {@code newestLsn − lsn}
 * @param lagMs how long the oldest entry seen but not applied has been committed; 0 when caught up
 * @param state whether the database is being applied
 * @param reason why it is not, when the state is GAP, REPAIRING or STOPPED
 * @param tables how many tables it holds
 * @param snapshotLsn the LSN of the last snapshot applied since start ({@code -1}: none)
 * @param repair what gap repair did since start
 */
public record DatabaseStatus(
    String db,
    long lsn,
    Optional<Instant> committedAt,
    long newestLsn,
    long lagLsns,
    long lagMs,
    ApplyState state,
    Optional<String> reason,
    int tables,
    long snapshotLsn,
    RepairStats repair,
    DivergenceStats divergence) {

  /** A status without divergence repair figures. */
  public DatabaseStatus(String db, long lsn, Optional<Instant> committedAt, long newestLsn, long lagLsns, long lagMs,
      ApplyState state, Optional<String> reason, int tables, long snapshotLsn, RepairStats repair) {
    this(db, lsn, committedAt, newestLsn, lagLsns, lagMs, state, reason, tables, snapshotLsn, repair, DivergenceStats.NONE);
  }
}
