package io.walflow.app.cli;

import java.nio.file.Path;

/** A data directory is locked by another running walflow; nothing was started. */
public final class DataDirInUseException extends RuntimeException {
  DataDirInUseException(Path dir, String holder) {
    super("data directory " + dir + " is in use by " + holder + "; stop it or give another --data-dir");
  }
}
