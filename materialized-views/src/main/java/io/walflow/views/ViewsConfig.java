package io.walflow.views;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link ViewService}; {@link #defaults()} work out of the box.
 *
 * @param historySize deltas kept per (view, parameters) for resuming subscribers
 * @param bufferSize deltas buffered per subscriber before the overflow policy applies
 * @param overflow what happens past {@code bufferSize}
 * @param progressInterval how often each subscriber gets a {@link ViewEvent.Progress}
 * @param linger how long a (view, parameters) stream and its history are kept after its last
 *     subscriber left, so that a reconnecting subscriber can resume
 * @param snapshotTimeout how long a snapshot for a joining or conflated subscriber may wait for the
 *     view to reach the stream's position
 */
public record ViewsConfig(int historySize, int bufferSize, OverflowPolicy overflow, Duration progressInterval,
    Duration linger, Duration snapshotTimeout) {

  public ViewsConfig {
    Objects.requireNonNull(overflow, "overflow");
    if (historySize < 0) {
      throw new IllegalArgumentException("historySize must be >= 0, got " + historySize);
    }
    if (bufferSize < 1) {
      throw new IllegalArgumentException("bufferSize must be >= 1, got " + bufferSize);
    }
    if (progressInterval.isNegative() || progressInterval.isZero()) {
      throw new IllegalArgumentException("progressInterval must be positive, got " + progressInterval);
    }
    if (linger.isNegative()) {
      throw new IllegalArgumentException("linger must be >= 0, got " + linger);
    }
    if (snapshotTimeout.isNegative() || snapshotTimeout.isZero()) {
      throw new IllegalArgumentException("snapshotTimeout must be positive, got " + snapshotTimeout);
    }
  }

  /** History 1024 deltas, buffer 256 deltas, conflate, progress every second, linger 60 s, snapshots wait up to 10 s. */
  public static ViewsConfig defaults() {
    return new ViewsConfig(1024, 256, OverflowPolicy.CONFLATE, Duration.ofSeconds(1), Duration.ofSeconds(60),
        Duration.ofSeconds(10));
  }

  public ViewsConfig withHistorySize(int n) {
    return new ViewsConfig(n, bufferSize, overflow, progressInterval, linger, snapshotTimeout);
  }

  public ViewsConfig withBuffer(int n, OverflowPolicy policy) {
    return new ViewsConfig(historySize, n, policy, progressInterval, linger, snapshotTimeout);
  }

  public ViewsConfig withProgressInterval(Duration d) {
    return new ViewsConfig(historySize, bufferSize, overflow, d, linger, snapshotTimeout);
  }

  public ViewsConfig withLinger(Duration d) {
    return new ViewsConfig(historySize, bufferSize, overflow, progressInterval, d, snapshotTimeout);
  }

  public ViewsConfig withSnapshotTimeout(Duration d) {
    return new ViewsConfig(historySize, bufferSize, overflow, progressInterval, linger, d);
  }
}
