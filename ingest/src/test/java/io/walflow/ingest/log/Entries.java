package io.walflow.ingest.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.LogEntry;
import io.walflow.ingest.LogEntry.Page;
import io.walflow.ingest.wal.WalPosition;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/** Test helper: entries to encode, and a content comparison (the records hold arrays). */
final class Entries {
  private Entries() {}

  static final Instant AT = Instant.parse("2026-01-02T03:04:05.678901Z");

  static byte[] pattern(int size, int seed) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) (i * 31 + seed);
    }
    return b;
  }

  static WalPosition wal(long offset) {
    return new WalPosition(0x01020304, 0xf5060708, 3, offset, 0x8122334455667788L);
  }

  /** Pages {@code first..first+count-1} of a fixed pattern. */
  static List<Page> pages(int first, int count, int pageSize) {
    List<Page> out = new ArrayList<>();
    for (int p = first; p < first + count; p++) {
      out.add(new Page(p, pattern(pageSize, p)));
    }
    return out;
  }

  static LogEntry.Commit commit(String db, long lsn, List<Page> pages, byte[] changes, int part, int parts) {
    return new LogEntry.Commit(db, lsn, AT, 512, 9, pages.size() + 1, wal(32 + lsn * 536), pages, changes, part, parts);
  }

  static LogEntry.Commit commit(String db, long lsn, List<Page> pages) {
    return commit(db, lsn, pages, new byte[] {(byte) lsn}, 0, 1);
  }

  static LogEntry.Snapshot snapshot(String db, long lsn, List<Page> pages, int part, int parts) {
    return new LogEntry.Snapshot(db, lsn, AT, 512, 9, wal(32 + lsn * 536), pages, new byte[0], part, parts);
  }

  static byte[] encode(LogEntry e) {
    return new EntryCodec(false).encode(e);
  }

  /** Recomputes the CRC-32C of an entry whose bytes a test changed on purpose. */
  static byte[] withCrc(byte[] entry) {
    CRC32C crc = new CRC32C();
    crc.update(entry, 0, entry.length - 4);
    ByteBuffer.wrap(entry).putInt(entry.length - 4, (int) crc.getValue());
    return entry;
  }

  static void assertSameEntry(LogEntry actual, LogEntry expected) {
    assertThat(actual.getClass()).isEqualTo(expected.getClass());
    assertThat(actual.db()).isEqualTo(expected.db());
    assertThat(actual.lsn()).isEqualTo(expected.lsn());
    assertThat(actual.committedAt()).isEqualTo(expected.committedAt());
    assertThat(actual.pageSize()).isEqualTo(expected.pageSize());
    assertThat(actual.dbPageCount()).isEqualTo(expected.dbPageCount());
    assertThat(actual.walPosition()).isEqualTo(expected.walPosition());
    assertThat(actual.partIndex()).isEqualTo(expected.partIndex());
    assertThat(actual.partCount()).isEqualTo(expected.partCount());
    assertThat(actual.changes()).isEqualTo(expected.changes());
    if (expected instanceof LogEntry.Commit c) {
      assertThat(((LogEntry.Commit) actual).frameCount()).isEqualTo(c.frameCount());
    }
    assertThat(actual.pages()).hasSize(expected.pages().size());
    for (int i = 0; i < expected.pages().size(); i++) {
      assertThat(actual.pages().get(i).pgno()).isEqualTo(expected.pages().get(i).pgno());
      assertThat(actual.pages().get(i).data()).as("page %d", expected.pages().get(i).pgno())
          .isEqualTo(expected.pages().get(i).data());
    }
  }
}
