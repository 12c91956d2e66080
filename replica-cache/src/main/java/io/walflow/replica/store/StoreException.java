package io.walflow.replica.store;

/**
 * The replica's RocksDB store failed (an I/O error, a full disk) or holds bytes it cannot read.
 * The message names the store directory or the key, and what was expected.
 */
public class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
