package io.walflow.ingest;

import io.walflow.ingest.wal.WalPosition;
import java.time.Instant;
import java.util.List;

/**
 * One record of the ordered log for one database: a snapshot of the whole database, or one
 * committed transaction. See {@code docs/log-format.md} for the bytes.
 *
 * <p>A large entry is stored as several consecutive parts with the same LSN ({@link #partIndex()}
 * of {@link #partCount()}). {@link LogReader} reassembles commits, so a reader sees one {@link
 * Commit} per transaction; snapshot parts are delivered one by one so that a database larger than
 * the heap can be streamed. {@link Digest} entries carry no data, only what replicas compare.
 */
public sealed interface LogEntry permits LogEntry.Snapshot, LogEntry.Commit, LogEntry.Digest {

  /** The database's name, as given to capture ({@code --db NAME=PATH}). */
  String db();

  /** The database's commit sequence number. */
  long lsn();

  /** When capture saw the commit (SQLite records no commit time). */
  Instant committedAt();

  /** Database page size in bytes. */
  int pageSize();

  /** Database size in pages after this entry. */
  int dbPageCount();

  /** Where capture stood in the WAL after this entry; the position a restart resumes from. */
  WalPosition walPosition();

  /** Page images carried by this entry (part), in page-number order. */
  List<Page> pages();

  /** Encoded row changes (see {@code docs/change-events.md}); empty when not decoded. */
  byte[] changes();

  int partIndex();

  int partCount();

  /** Total bytes of page images (uncompressed). */
  default long pageBytes() {
    return (long) pages().size() * pageSize();
  }

  /** A page image. */
  record Page(int pgno, byte[] data) {}

  /**
   * A full image of the database (all its pages, in {@code partCount} parts). LSN 0 is the first
   * capture; later snapshots (retention, or lost WAL continuity) take the next LSN.
   */
  record Snapshot(String db, long lsn, Instant committedAt, int pageSize, int dbPageCount,
      WalPosition walPosition, List<Page> pages, byte[] changes, int partIndex, int partCount)
      implements LogEntry {}

  /** One committed transaction: the last image of every page it wrote. */
  record Commit(String db, long lsn, Instant committedAt, int pageSize, int dbPageCount,
      int frameCount, WalPosition walPosition, List<Page> pages, byte[] changes, int partIndex,
      int partCount) implements LogEntry {}

  /**
   * The divergence digest of one table of the database as of {@code lsn}, the LSN of the last
   * commit before it (entry type 3, docs/log-format.md section 11). It changes nothing: a reader
   * that rebuilds state skips it; a replica compares its own digest with it. Page size, database
   * size and WAL position repeat those of the commit at {@code lsn}.
   *
   * @param body the digest body ({@code io.walflow.ingest.digest.DigestEntry})
   */
  record Digest(String db, long lsn, Instant committedAt, int pageSize, int dbPageCount,
      WalPosition walPosition, byte[] body) implements LogEntry {
    @Override
    public List<Page> pages() {
      return List.of();
    }

    @Override
    public byte[] changes() {
      return new byte[0];
    }

    @Override
    public int partIndex() {
      return 0;
    }

    @Override
    public int partCount() {
      return 1;
    }
  }
}
