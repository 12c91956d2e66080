package io.walflow.replica;

/**
 * What gap repair did for one database since the replica started.
 *
 * @param gapsRepaired gaps filled from the capture node's log
 * @param resnapshots gaps whose range the capture node no longer held, filled by bootstrapping the
 *     database again from the newest snapshot
 * @param entriesFetched entries fetched for repairs
 * @param bytesFetched bytes of the answers they came in
 * @param failures repair attempts that failed (the capture node unreachable, a malformed answer)
 */
public record RepairStats(long gapsRepaired, long resnapshots, long entriesFetched, long bytesFetched, long failures) {
  /** Nothing repaired. */
  public static final RepairStats NONE = new RepairStats(0, 0, 0, 0, 0);
}
