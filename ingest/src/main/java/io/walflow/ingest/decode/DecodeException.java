package io.walflow.ingest.decode;

/**
 * The database images given to the decoder cannot be decoded: bad bytes or a schema SQLite itself
 * refuses. This is bad input from outside, never a walflow bug (those are {@link
 * IllegalStateException}s). The caller adds the database name and the LSN and decides what to do
 * (stop capturing that database or resnapshot); it must not publish the commit's changes.
 */
public abstract sealed class DecodeException extends RuntimeException
    permits CorruptPageException, SchemaException {

  DecodeException(String message, Throwable cause) {
    super(message, cause);
  }
}
