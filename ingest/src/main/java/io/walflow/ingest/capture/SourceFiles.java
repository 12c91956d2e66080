package io.walflow.ingest.capture;

import io.walflow.ingest.wal.WalIndex;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The captured database's file and its {@code -shm} file, read through channels that stay open
 * until capture's SQLite connections are closed.
 *
 * <p>Why: SQLite locks with POSIX advisory locks (fcntl), and closing <em>any</em> descriptor of a
 * file releases every such lock the process holds on it, whichever descriptor took them. SQLite's
 * own VFS knows this and defers closing its descriptors; a channel opened and closed beside it does
 * not. Closing a channel on the database file releases the SHARED lock of capture's read
 * transaction, and SQLite does not take it again while another of its connections in the process
 * holds one (it counts them), which capture always does: a writer that then closes its last
 * connection finds no other process on the database, checkpoints without regard for capture's read
 * marks and deletes the WAL and the {@code -shm} file, leaving capture reading a deleted WAL while the
 * application's next connection writes a new one. Closing a channel on the {@code -shm} file
 * releases the read marks that {@link WalPin} relies on: a writer may then restart the WAL over
 * frames capture has not read. The WAL file itself carries no lock, but {@link DatabaseTailer}
 * keeps its channel open all the same.
 */
final class SourceFiles implements AutoCloseable {
  private final String db;
  private final Path path;
  private final Path shmPath;
  private final FileChannel database;
  private FileChannel shm;

  /** Opens the database file; call before opening any SQLite connection to it. */
  SourceFiles(String db, Path path) throws IOException {
    this.db = db;
    this.path = path;
    this.shmPath = Path.of(path + "-shm");
    this.database = FileChannel.open(path, StandardOpenOption.READ);
  }

  /** The database file. Never close it: {@link #close()} does, after the connections are closed. */
  FileChannel database() {
    return database;
  }

  /** The database's header, read through {@link #database()}. */
  Optional<SourceDatabase.Header> inspect() {
    return SourceDatabase.inspect(db, path, database);
  }

  /** SQLite's count of committed WAL frames; empty when there is no {@code -shm} file or no consistent header. */
  Optional<WalIndex> walIndex() throws IOException {
    if (shm == null) {
      try {
        shm = FileChannel.open(shmPath, StandardOpenOption.READ);
      } catch (NoSuchFileException e) {
        return Optional.empty();
      }
    }
    return WalIndex.read(shm);
  }

  /** Closes the channels; only once capture's SQLite connections to the database are closed. */
  @Override
  public void close() throws IOException {
    try {
      database.close();
    } finally {
      if (shm != null) {
        shm.close();
      }
    }
  }
}
