package io.walflow.ingest.digest;

import java.util.List;

/**
 * The digest of one table: per bucket the sum (mod 2^64) of the {@link RowHasher#rowHash row
 * hashes} of its rows, and the row count. A sum does not depend on the order rows were added in,
 * and a row's removal subtracts exactly what its insertion added, so the digest follows the table
 * change by change.
 *
 * <p>An unverified table is one whose rows all changed hash without row changes (a column dropped,
 * or added with a non-NULL default): its sums are unknown until the next snapshot, and it is left
 * out of comparisons. Mutable; owned by one {@link DatabaseDigest}.
 */
public final class TableDigest {
  private List<String> columns;
  private final long[] sums;
  private long rows;
  private final boolean verified;

  TableDigest(List<String> columns, long[] sums, long rows, boolean verified) {
    this.columns = List.copyOf(columns);
    this.sums = sums;
    this.rows = rows;
    this.verified = verified;
  }

  /**
   * A table digest from stored or recomputed values.
   *
   * @param sums per bucket (empty when not verified)
   */
  public static TableDigest of(List<String> columns, long[] sums, long rows, boolean verified) {
    if (!verified && sums.length != 0) {
      throw new IllegalArgumentException("an unverified table digest has no sums");
    }
    return new TableDigest(columns, sums, rows, verified);
  }

  /** A table whose sums are unknown (see the class comment). */
  static TableDigest unverified(List<String> columns, long rows) {
    return new TableDigest(columns, new long[0], rows, false);
  }

  /** The table's column names in declaration order (for the schema fingerprint). */
  public List<String> columns() {
    return columns;
  }

  /** Bucket {@code b}'s sum. */
  public long sum(int b) {
    return sums[b];
  }

  /** How many buckets ({@code 0} when unverified). */
  public int buckets() {
    return sums.length;
  }

  public long rows() {
    return rows;
  }

  /** False when the sums are unknown (see the class comment). */
  public boolean verified() {
    return verified;
  }

  void columns(List<String> c) {
    columns = List.copyOf(c);
  }

  void add(int bucket, long hash, int sign) {
    sums[bucket] += sign * hash;
    rows += sign;
  }

  /** Sets bucket {@code b}'s sum (a repaired bucket takes the capture node's value). */
  public void set(int b, long sum) {
    sums[b] = sum;
  }

  /** Adds {@code delta} to the row count (a repair replaced a bucket's rows). */
  public void addRows(long delta) {
    rows += delta;
  }

  TableDigest copy() {
    return new TableDigest(columns, sums.clone(), rows, verified);
  }
}
