package io.walflow.ingest.capture;

import io.walflow.ingest.wal.WalHeader;
import io.walflow.ingest.wal.WalIndex;
import io.walflow.ingest.wal.WalPosition;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Notices a tailer that believes it has read everything while SQLite says more is committed.
 *
 * <p>The tailer consults it when a poll found nothing, with SQLite's own count of committed WAL
 * frames ({@link WalIndex}, read from the {@code -shm} file) and its own position. Capture is
 * <em>behind</em> when the wal-index counts committed frames past capture's position in the same
 * generation, or committed frames of a generation capture has not followed. A commit is in the WAL
 * file before the wal-index counts it, so a tailer that is behind finds it on its next poll; behind
 * at two checks at least {@link #CHECK_NANOS} apart without capture's position moving is a
 * <em>stall</em>, reported once per episode. The episode ends when capture is no longer behind.
 */
final class StallWatch {
  /** How often an idle tailer compares its position with the wal-index. */
  static final long CHECK_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** What one check found. */
  record Verdict(long framesBehind, Optional<String> newStall) {
    static final Verdict UNKNOWN = new Verdict(-1, Optional.empty());
  }

  private final String db;
  private long nextCheckNanos;
  /** Capture's position at the previous check that found it behind, or null. */
  private WalPosition behindAt;
  private long behindSinceNanos;
  private boolean stalled;

  StallWatch(String db) {
    this.db = db;
    this.nextCheckNanos = System.nanoTime();
  }

  /** True when a check is due at {@code nowNanos}. */
  boolean due(long nowNanos) {
    return nowNanos - nextCheckNanos >= 0;
  }

  /**
   * Compares capture's {@code header} (null when it has seen no WAL) and {@code position} with
   * {@code index} at {@code nowNanos}.
   */
  Verdict check(long nowNanos, Optional<WalIndex> index, WalHeader header, WalPosition position) {
    nextCheckNanos = nowNanos + CHECK_NANOS;
    if (index.isEmpty()) {
      return Verdict.UNKNOWN; // no -shm, or a writer is updating it: the next check will tell
    }
    WalIndex ix = index.get();
    long behind = framesBehind(ix, header, position);
    if (behind <= 0) {
      behindAt = null;
      stalled = false;
      return new Verdict(0, Optional.empty());
    }
    if (behindAt == null || !behindAt.equals(position)) {
      behindAt = position;
      behindSinceNanos = nowNanos;
      return new Verdict(behind, Optional.empty());
    }
    if (stalled) {
      return new Verdict(behind, Optional.empty());
    }
    stalled = true;
    long seconds = TimeUnit.NANOSECONDS.toSeconds(nowNanos - behindSinceNanos);
    String where = header == null ? "no WAL" : ix.inGeneration(header)
        ? "WAL offset " + position.offset() + " (frame " + framesAt(header, position) + ")"
        : "WAL generation with salts " + Integer.toUnsignedString(header.salt1()) + "/"
            + Integer.toUnsignedString(header.salt2());
    return new Verdict(behind, Optional.of(String.format(
        "capture of '%s' is stalled: SQLite's wal-index counts %d committed WAL frames (change counter %d, salts %s/%s) "
            + "but capture has been at %s for %d s and reads nothing more",
        db, ix.maxFrame(), Integer.toUnsignedLong(ix.changeCounter()), Integer.toUnsignedString(ix.salt1()),
        Integer.toUnsignedString(ix.salt2()), where, seconds)));
  }

  /** True between a reported stall and the check that finds capture caught up. */
  boolean stalled() {
    return stalled;
  }

  static long framesBehind(WalIndex ix, WalHeader header, WalPosition position) {
    if (header == null) {
      return ix.maxFrame();
    }
    if (!ix.inGeneration(header)) {
      // The wal-index moves to a new generation (mxFrame 0) before the WAL file's header is
      // rewritten by the next commit; committed frames there mean the file has a new header.
      return ix.maxFrame();
    }
    return Math.max(0, ix.maxFrame() - framesAt(header, position));
  }

  private static long framesAt(WalHeader header, WalPosition position) {
    return position.isNone() ? 0 : (position.offset() - WalHeader.SIZE) / header.frameSize();
  }
}
