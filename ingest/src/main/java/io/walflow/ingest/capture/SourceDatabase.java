package io.walflow.ingest.capture;

import io.walflow.ingest.CaptureException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Checks that a path holds a SQLite database that capture can follow, reading its 100-byte header
 * (sqlite.org/fileformat2.html#the_database_header).
 */
public final class SourceDatabase {
  static final byte[] MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);
  static final int PAGE_SIZE_OFFSET = 16;
  static final int WRITE_VERSION_OFFSET = 18;
  static final int READ_VERSION_OFFSET = 19;
  static final int CHANGE_COUNTER_OFFSET = 24;
  static final int IN_HEADER_SIZE_OFFSET = 28;
  static final int VERSION_VALID_FOR_OFFSET = 92;
  static final int HEADER_SIZE = 100;

  /** What the header says. */
  public record Header(int pageSize, Optional<Integer> inHeaderPageCount) {}

  private SourceDatabase() {}

  /**
   * Reads and checks the header.
   *
   * @return empty when the file does not exist yet or is still empty (a new database before its
   *     first write): the caller waits
   * @throws CaptureException when it is not a SQLite database, not in WAL mode, or unreadable
   */
  public static Optional<Header> inspect(String db, Path path) {
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      return inspect(db, path, ch);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw unreadable(db, path, e);
    }
  }

  /**
   * Reads and checks the header through {@code ch}, open on {@code path}. A process that has SQLite
   * connections open on the database must read it this way, through a channel it keeps open: closing
   * any descriptor of the file releases every POSIX lock the process holds on it, SQLite's included
   * (see {@link SourceFiles}).
   */
  static Optional<Header> inspect(String db, Path path, FileChannel ch) {
    byte[] h = new byte[HEADER_SIZE];
    int n;
    try {
      ByteBuffer buf = ByteBuffer.wrap(h);
      n = 0;
      while (buf.hasRemaining()) {
        int r = ch.read(buf, n);
        if (r < 0) {
          break;
        }
        n += r;
      }
    } catch (IOException e) {
      throw unreadable(db, path, e);
    }
    return check(db, path, h, n);
  }

  private static CaptureException unreadable(String db, Path path, IOException e) {
    if (Files.isDirectory(path)) {
      return new CaptureException(db, path + " is a directory, not a SQLite database file");
    }
    return new CaptureException(db, "cannot read " + path + ": " + e
        + " (check the file's permissions: walflow needs read access to it and read-write access to its -wal and -shm files)", e);
  }

  private static Optional<Header> check(String db, Path path, byte[] h, int n) {
    if (n == 0) {
      return Optional.empty();
    }
    if (n < HEADER_SIZE || !startsWithMagic(h)) {
      throw new CaptureException(db, path + " is not a SQLite database (its first 16 bytes are not \"SQLite format 3\\0\")");
    }
    ByteBuffer b = ByteBuffer.wrap(h);
    int raw = b.getShort(PAGE_SIZE_OFFSET) & 0xffff;
    int pageSize = raw == 1 ? 65536 : raw;
    if (pageSize < 512 || Integer.bitCount(pageSize) != 1) {
      throw new CaptureException(db, path + ": header at offset 16: page size " + raw + " is invalid");
    }
    int write = h[WRITE_VERSION_OFFSET];
    int read = h[READ_VERSION_OFFSET];
    if (write != 2 || read != 2) {
      throw new CaptureException(db, path + " is in rollback-journal mode (header bytes 18/19 are "
          + write + "/" + read + ", WAL mode is 2/2). walflow captures databases in WAL mode: run "
          + "`PRAGMA journal_mode=WAL;` once on the database (for example `sqlite3 " + path
          + " 'PRAGMA journal_mode=WAL;'`); the setting is persistent");
    }
    Optional<Integer> inHeader = Optional.empty();
    if (b.getInt(CHANGE_COUNTER_OFFSET) == b.getInt(VERSION_VALID_FOR_OFFSET) && b.getInt(IN_HEADER_SIZE_OFFSET) > 0) {
      inHeader = Optional.of(b.getInt(IN_HEADER_SIZE_OFFSET));
    }
    return Optional.of(new Header(pageSize, inHeader));
  }

  private static boolean startsWithMagic(byte[] h) {
    for (int i = 0; i < MAGIC.length; i++) {
      if (h[i] != MAGIC[i]) {
        return false;
      }
    }
    return true;
  }
}
