package io.walflow.replica.repair;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Bucket rows read from a capture node's log directory in this process ({@link BucketRowsReader},
 * what the capture node's endpoint answers), passed through the answer's encoding and checks as
 * {@link BucketClient} receives them. For a process that holds the log itself (the simulator).
 */
public final class LocalBuckets implements BucketSource {
  private final Path dataDir;
  private final Path tempDir;

  /**
   * @param dataDir the capture node's data directory (its log)
   * @param tempDir a directory for the reader's temporary files
   */
  public LocalBuckets(Path dataDir, Path tempDir) {
    this.dataDir = dataDir;
    this.tempDir = tempDir;
  }

  @Override
  public Fetched fetch(String db, String table, long lsn, int buckets, int[] ids) {
    BucketRowsReader.Result r;
    try {
      r = BucketRowsReader.read(dataDir, tempDir, db, table, lsn, buckets, ids);
    } catch (IOException e) {
      throw new RepairException("bucket rows from the log in " + dataDir + ": " + e.getMessage(), e);
    }
    if (r.rows().isEmpty()) {
      if (r.missing().orElseThrow() == BucketRowsReader.Missing.NO_SNAPSHOT) {
        throw new RangeGoneException(r.detail());
      }
      throw new RepairException("bucket rows from the log in " + dataDir + ": " + r.detail(), null);
    }
    byte[] body = r.rows().get().encode();
    BucketRows rows = BucketRows.decode(body, "bucket rows from the log in " + dataDir);
    return new Fetched(rows.columns(), rows.keys(), rows.rows(), body.length);
  }
}
