package io.walflow.ingest;

import java.time.Duration;

/**
 * When capture publishes divergence digests (digest entries, docs/log-format.md section 11) and
 * how fine they are. A digest set is published after every {@code everyCommits} commits of a
 * database, or {@code every} after the last one when at least one commit came since, whichever
 * comes first. {@link #OFF} publishes none.
 *
 * @param everyCommits commits between two digest sets (0: no count limit)
 * @param every the longest time between a commit and the next digest set (zero: no time limit)
 * @param buckets hash buckets per table: more buckets send fewer rows per difference found, and
 *     make each digest entry {@code 8 × buckets} bytes (at most {@value #MAX_BUCKETS})
 */
public record DigestSettings(int everyCommits, Duration every, int buckets) {
  /** A digest entry must fit in one log document with room to spare (8 bytes per bucket). */
  public static final int MAX_BUCKETS = 1 << 20;
  /** No digests. */
  public static final DigestSettings OFF = new DigestSettings(0, Duration.ZERO, 1);
  /** The command line's defaults: every 1000 commits or 10 s, 4096 buckets per table. */
  public static final DigestSettings DEFAULTS = new DigestSettings(1000, Duration.ofSeconds(10), 4096);

  /**
   * @throws IllegalArgumentException for a negative count or time, or buckets outside 1..{@value #MAX_BUCKETS}
   */
  public DigestSettings {
    if (everyCommits < 0 || every.isNegative()) {
      throw new IllegalArgumentException("digest interval must not be negative: " + everyCommits + " commits, " + every);
    }
    if (buckets < 1 || buckets > MAX_BUCKETS) {
      throw new IllegalArgumentException("digest buckets must be in 1.." + MAX_BUCKETS + ", not " + buckets);
    }
  }

  /** Whether any digest is published. */
  public boolean enabled() {
    return everyCommits > 0 || !every.isZero();
  }
}
