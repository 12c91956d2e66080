package io.walflow.ingest.decode;

/**
 * A schema object whose stored SQL SQLite itself cannot interpret (for example a table using a
 * collation that only the application registers, or SQL damaged in the file). The decoder cannot
 * know that table's columns, so it refuses to guess.
 */
public final class SchemaException extends DecodeException {
  private final String object;

  /**
   * @param object the schema object's name
   * @param message what failed
   * @param cause SQLite's error, when there is one
   */
  public SchemaException(String object, String message, Throwable cause) {
    super("schema object " + object + ": " + message, cause);
    this.object = object;
  }

  /** The schema object's name. */
  public String object() {
    return object;
  }
}
