package io.walflow.replica;

import java.time.Duration;
import java.util.Objects;

/**
 * How fresh a read must be: at least LSN {@code minLsn} of the database applied, waiting up to
 * {@code timeout} for it (read-your-writes: a service that wrote LSN n asks for {@code minLsn = n}).
 *
 * @param minLsn the lowest LSN the read may be consistent at; {@code -1} for any
 * @param timeout how long to wait for {@code minLsn}
 */
public record Freshness(long minLsn, Duration timeout) {
  /** Whatever the replica has applied, without waiting. */
  public static final Freshness ANY = new Freshness(-1, Duration.ZERO);

  /**
   * @throws IllegalArgumentException if {@code minLsn < -1} or the timeout is negative
   */
  public Freshness {
    Objects.requireNonNull(timeout, "timeout");
    if (minLsn < -1) {
      throw new IllegalArgumentException("minLsn must be >= 0 (or -1 for any): " + minLsn);
    }
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: " + timeout);
    }
  }

  /** At least {@code lsn}, waiting up to {@code timeout}. */
  public static Freshness atLeast(long lsn, Duration timeout) {
    return new Freshness(lsn, timeout);
  }
}
