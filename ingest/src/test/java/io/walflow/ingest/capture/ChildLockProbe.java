package io.walflow.ingest.capture;

import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Another process asking whether anyone holds SQLite's locks on a database (POSIX locks, as Java's
 * file locks are on Linux): the SHARED range of the database file (bytes 0x40000002, 510 long),
 * which every connection to a WAL database holds while it is open, and the "DMS" byte 128 of the
 * {@code -shm} file, which every connection using the wal-index holds. Prints one line each,
 * {@code NAME held} or {@code NAME free}.
 */
public final class ChildLockProbe {
  public static void main(String[] args) throws Exception {
    Path db = Path.of(args[0]);
    probe("database", db, 0x40000002L, 510);
    probe("shm", Path.of(db + "-shm"), 128, 1);
  }

  private static void probe(String name, Path file, long at, long length) throws Exception {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      FileLock lock = ch.tryLock(at, length, false);
      System.out.println(name + (lock == null ? " held" : " free"));
      if (lock != null) {
        lock.release();
      }
    }
  }
}
