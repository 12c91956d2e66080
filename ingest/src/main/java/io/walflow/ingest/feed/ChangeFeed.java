package io.walflow.ingest.feed;

import io.walflow.ingest.LogEntry;
import io.walflow.ingest.change.ChangeCodec;
import io.walflow.ingest.change.ChangeFormatException;
import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.decode.CommitDecoder;
import io.walflow.ingest.decode.DecodeException;
import io.walflow.ingest.image.PageFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns log entries (from the local log or from Kafka) into transactions of row changes for a
 * {@link TransactionSink}: a commit's encoded changes are decoded; a snapshot's pages are gathered
 * part by part in a temporary file and decoded into CREATEs and inserts once its last part
 * arrives, one table in memory at a time.
 *
 * <p>Entries must be complete commits (as {@code LogReader} returns them) and snapshot parts in
 * order. A snapshot part that does not continue the snapshot in progress discards it (a reader
 * that started inside a snapshot, or a capture that crashed while writing one). Not thread-safe.
 */
public final class ChangeFeed implements AutoCloseable {
  private final Path tempDir;
  private final TransactionSink sink;
  private final Map<String, PendingSnapshot> snapshots = new HashMap<>();

  /**
   * @param tempDir where snapshot pages are gathered while a snapshot is being received
   * @param sink receives the transactions
   */
  public ChangeFeed(Path tempDir, TransactionSink sink) {
    this.tempDir = tempDir;
    this.sink = sink;
  }

  /**
   * Hands one entry's transaction to the sink (for a snapshot: once its last part has arrived).
   *
   * @throws FeedException when the entry cannot be decoded into changes
   */
  public void accept(LogEntry entry) {
    if (entry instanceof LogEntry.Commit c) {
      acceptCommit(c);
    } else if (entry instanceof LogEntry.Digest) {
      return; // changes nothing; replicas compare digests before feeding entries
    } else {
      acceptSnapshotPart((LogEntry.Snapshot) entry);
    }
  }

  private void acceptCommit(LogEntry.Commit c) {
    if (c.partCount() != 1) {
      throw new IllegalArgumentException(c.db() + " LSN " + c.lsn() + ": commit part " + c.partIndex()
          + " of " + c.partCount() + " given; feed whole commits (LogReader and the Kafka decoder reassemble them)");
    }
    if (c.changes().length == 0) {
      throw new FeedException(c.db(), c.lsn(), "the commit carries no decoded changes; capture must run "
          + "without --no-changes for consumers of row changes", null);
    }
    ChangeSet changes;
    try {
      changes = ChangeCodec.decode(c.changes());
    } catch (ChangeFormatException e) {
      throw new FeedException(c.db(), c.lsn(), "malformed changes: " + e.getMessage(), e);
    }
    sink.commit(c.db(), c.lsn(), c.committedAt(), changes);
  }

  private void acceptSnapshotPart(LogEntry.Snapshot s) {
    PendingSnapshot p = snapshots.get(s.db());
    if (s.partIndex() == 0) {
      if (p != null) {
        p.close();
      }
      p = new PendingSnapshot(s);
      snapshots.put(s.db(), p);
    } else if (p == null || p.first.lsn() != s.lsn() || p.nextPart != s.partIndex()) {
      if (p != null) {
        p.close();
        snapshots.remove(s.db());
      }
      return;
    }
    p.add(s);
    if (p.nextPart == s.partCount()) {
      snapshots.remove(s.db());
      try {
        p.deliver();
      } finally {
        p.close();
      }
    }
  }

  /** Deletes the temporary files of snapshots still being received. */
  @Override
  public void close() {
    snapshots.values().forEach(PendingSnapshot::close);
    snapshots.clear();
  }

  private final class PendingSnapshot {
    final LogEntry.Snapshot first;
    final Path file;
    final PageFile image;
    int nextPart;

    PendingSnapshot(LogEntry.Snapshot first) {
      this.first = first;
      try {
        Files.createDirectories(tempDir);
        file = Files.createTempFile(tempDir, "snapshot-" + first.db() + "-", ".db");
        image = PageFile.open(file, first.pageSize(), first.dbPageCount());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create a temporary file for the snapshot of " + first.db()
            + " LSN " + first.lsn() + " in " + tempDir, e);
      }
    }

    void add(LogEntry.Snapshot part) {
      try {
        for (LogEntry.Page page : part.pages()) {
          image.write(page.pgno(), page.data());
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the snapshot of " + first.db() + " to " + file, e);
      }
      nextPart++;
    }

    void deliver() {
      try {
        image.setPageCount(first.dbPageCount());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot size the snapshot file " + file, e);
      }
      sink.snapshotBegin(first.db(), first.lsn(), first.committedAt());
      try (CommitDecoder decoder = new CommitDecoder(first.db())) {
        decoder.decodeSnapshot(image, change -> sink.snapshotChange(first.db(), first.lsn(), change));
      } catch (DecodeException e) {
        throw new FeedException(first.db(), first.lsn(), "the snapshot does not decode: " + e.getMessage(), e);
      }
      sink.snapshotEnd(first.db(), first.lsn());
    }

    void close() {
      try {
        image.close();
        Files.deleteIfExists(file);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete " + file, e);
      }
    }
  }
}
