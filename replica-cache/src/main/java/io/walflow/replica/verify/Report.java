package io.walflow.replica.verify;

import java.util.List;

/**
 * The outcome of comparing a replica's database with its source.
 *
 * @param db the database's name
 * @param lsn the replica's LSN the comparison was made at
 * @param sourceLsn the LSN the source was rebuilt at from the log, or -1 when the live source file
 *     was compared (after the replica had caught up with everything it had seen)
 * @param tables tables compared
 * @param rows rows compared (source rows plus extra replica rows)
 * @param differenceCount how many differences there were in all
 * @param differences the first differences (at most the number asked for), in table and key order
 * @param consistent whether every page of the replica was read at that one LSN; false when the
 *     replica kept moving during every attempt (the differences then mean nothing)
 */
public record Report(
    String db, long lsn, long sourceLsn, int tables, long rows, long differenceCount, List<Difference> differences,
    boolean consistent) {
  public Report {
    differences = List.copyOf(differences);
  }

  /** Whether the replica equals the source: read at one LSN and no difference. */
  public boolean equal() {
    return consistent && differenceCount == 0;
  }
}
