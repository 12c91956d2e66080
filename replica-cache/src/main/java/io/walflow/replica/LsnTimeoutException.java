package io.walflow.replica;

import java.time.Duration;

/** The replica had not applied the LSN a read asked for when its timeout ran out. */
public final class LsnTimeoutException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String db;
  private final long wanted;
  private final long current;

  public LsnTimeoutException(String db, long wanted, long current, Duration waited) {
    super("database " + db + ": LSN " + wanted + " not applied within " + waited.toMillis()
        + " ms; the replica is at LSN " + current);
    this.db = db;
    this.wanted = wanted;
    this.current = current;
  }

  public String db() {
    return db;
  }

  /** The LSN the read asked for. */
  public long wanted() {
    return wanted;
  }

  /** The LSN the replica had applied when the wait ended ({@code -1}: nothing yet). */
  public long current() {
    return current;
  }
}
