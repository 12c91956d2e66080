/**
 * Gap repair: the capture node serves its log by LSN range over HTTP ({@link
 * io.walflow.replica.repair.LogRangeServer}, started by {@code walflow capture --http-port}); a
 * replica that finds a gap fetches the missing range with {@link
 * io.walflow.replica.repair.LogRangeClient}, or the newest snapshot when the range is gone
 * ({@link io.walflow.replica.repair.GapRepair}).
 */
package io.walflow.replica.repair;
