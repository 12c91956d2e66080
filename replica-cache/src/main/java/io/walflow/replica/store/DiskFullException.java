package io.walflow.replica.store;

/**
 * A write was refused for lack of disk space: the store's file system has less free space than the
 * configured floor, or RocksDB itself reported that no space is left. Nothing of the batch was
 * written; the same batch can be written again once space is back.
 */
public final class DiskFullException extends StoreException {
  private static final long serialVersionUID = 1L;

  public DiskFullException(String message, Throwable cause) {
    super(message, cause);
  }
}
