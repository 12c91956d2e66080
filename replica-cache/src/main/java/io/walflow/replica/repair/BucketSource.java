package io.walflow.replica.repair;

import io.walflow.ingest.change.Value;
import java.util.List;

/**
 * Where divergence repair gets the rows of digest buckets as of one LSN: the capture node over
 * HTTP ({@link BucketClient}) or its log directory in the same process ({@link LocalBuckets}).
 */
public interface BucketSource {

  /** The rows of every asked bucket, and the bytes of the answers they came in. */
  record Fetched(List<String> columns, List<List<Value>> keys, List<List<Value>> rows, long bytes) {}

  /**
   * The rows of buckets {@code ids} (ascending) of {@code table} as of {@code lsn}, {@code buckets}
   * being the digest's bucket count.
   *
   * @throws RangeGoneException when the log holds no snapshot at or before {@code lsn}
   * @throws RepairException when the rows cannot be had, or anything but those rows came back
   */
  Fetched fetch(String db, String table, long lsn, int buckets, int[] ids);
}
