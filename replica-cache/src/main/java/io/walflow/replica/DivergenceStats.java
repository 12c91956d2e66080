package io.walflow.replica;

import java.util.Optional;

/**
 * What divergence repair did for one database since the replica started (docs/replica.md,
 * "Divergence repair").
 *
 * @param digestsCompared table digests compared with a digest entry (one per table per digest set)
 * @param bucketsCompared buckets compared
 * @param bucketsDiverged buckets found different from the capture node's
 * @param bucketsRepaired buckets whose rows were replaced by the capture node's
 * @param rowsRepaired rows written or deleted by repairs
 * @param bytesMoved bytes of the capture node's answers (bucket rows)
 * @param scrubs scans of the stored rows (recomputing the digest from what is stored)
 * @param ignored digest entries not compared: malformed, of another database or schema version
 * @param failures repairs that failed (capture node unreachable, malformed or inconsistent answer: never applied)
 * @param lastProblem the last ignored entry or failure, with its reason
 */
public record DivergenceStats(long digestsCompared, long bucketsCompared, long bucketsDiverged, long bucketsRepaired,
    long rowsRepaired, long bytesMoved, long scrubs, long ignored, long failures, Optional<String> lastProblem) {
  /** Nothing compared yet. */
  public static final DivergenceStats NONE = new DivergenceStats(0, 0, 0, 0, 0, 0, 0, 0, 0, Optional.empty());

  public DivergenceStats compared(long buckets, long diverged) {
    return new DivergenceStats(digestsCompared + 1, bucketsCompared + buckets, bucketsDiverged + diverged,
        bucketsRepaired, rowsRepaired, bytesMoved, scrubs, ignored, failures, lastProblem);
  }

  public DivergenceStats repaired(long buckets, long rows, long bytes) {
    return new DivergenceStats(digestsCompared, bucketsCompared, bucketsDiverged, bucketsRepaired + buckets,
        rowsRepaired + rows, bytesMoved + bytes, scrubs, ignored, failures, lastProblem);
  }

  public DivergenceStats scrubbed() {
    return new DivergenceStats(digestsCompared, bucketsCompared, bucketsDiverged, bucketsRepaired, rowsRepaired,
        bytesMoved, scrubs + 1, ignored, failures, lastProblem);
  }

  public DivergenceStats ignored(String why) {
    return new DivergenceStats(digestsCompared, bucketsCompared, bucketsDiverged, bucketsRepaired, rowsRepaired,
        bytesMoved, scrubs, ignored + 1, failures, Optional.of(why));
  }

  public DivergenceStats failed(String why, long bytes) {
    return new DivergenceStats(digestsCompared, bucketsCompared, bucketsDiverged, bucketsRepaired, rowsRepaired,
        bytesMoved + bytes, scrubs, ignored, failures + 1, Optional.of(why));
  }
}
