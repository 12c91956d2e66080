package io.walflow.ingest;

/**
 * Capture of one database cannot go on: the message names the database, what is wrong and what to
 * do. Nothing already in the log is affected.
 */
public final class CaptureException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String db;

  public CaptureException(String db, String message) {
    super("database '" + db + "': " + message);
    this.db = db;
  }

  public CaptureException(String db, String message, Throwable cause) {
    super("database '" + db + "': " + message, cause);
    this.db = db;
  }

  public String db() {
    return db;
  }
}
