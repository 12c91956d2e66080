package io.walflow.ingest.wal;

import java.io.IOException;

/**
 * The WAL file holds bytes that are not a valid SQLite WAL where a valid one was required (for
 * example a header with a bad magic or checksum). Torn or invalid frames at the tail are not an
 * error: they end the log, as in SQLite.
 */
public final class WalFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public WalFormatException(String message) {
    super(message);
  }
}
