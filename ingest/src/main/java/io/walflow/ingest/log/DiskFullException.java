package io.walflow.ingest.log;

import java.io.IOException;

/** The log's file system has less free space than capture must keep; nothing was appended. */
public final class DiskFullException extends IOException {
  private static final long serialVersionUID = 1L;

  public DiskFullException(String message) {
    super(message);
  }
}
