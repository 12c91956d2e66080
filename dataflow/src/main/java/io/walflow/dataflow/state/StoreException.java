package io.walflow.dataflow.state;

/** RocksDB failed under the base-table store; the message names the operation and the store. */
public final class StoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
