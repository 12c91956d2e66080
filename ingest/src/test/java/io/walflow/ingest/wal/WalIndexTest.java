package io.walflow.ingest.wal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WalIndex} read from the {@code -shm} file SQLite itself writes, with SQLite's WAL as the
 * oracle: the frames it counts are exactly those up to the last commit {@link WalScanner} finds,
 * in the same generation; a transaction that changes nothing is counted by neither.
 */
class WalIndexTest {
  @TempDir Path dir;

  private static WalHeader header(Path wal) throws Exception {
    try (FileChannel ch = FileChannel.open(wal, StandardOpenOption.READ)) {
      return WalScanner.readHeader(ch, "test").orElseThrow();
    }
  }

  /** Frames up to the end of the last commit the scanner finds. */
  private static long committedFrames(Path wal) throws Exception {
    try (FileChannel ch = FileChannel.open(wal, StandardOpenOption.READ)) {
      WalHeader h = WalScanner.readHeader(ch, "test").orElseThrow();
      WalScanner s = new WalScanner(ch, h, "test");
      WalPosition p = WalPosition.start(h);
      List<WalCommit> cs;
      while (!(cs = s.scan(p, 100)).isEmpty()) {
        p = cs.get(cs.size() - 1).end();
      }
      p = s.scannedTo();
      return (p.offset() - WalHeader.SIZE) / h.frameSize();
    }
  }

  @Test
  void countsWhatTheWalCommits_notTransactionsThatWroteNothing_andFollowsARestart() throws Exception {
    SqliteDb db = SqliteDb.create(dir, "x.db", 4096);
    db.exec("CREATE TABLE r(id INTEGER PRIMARY KEY, name TEXT, v)",
        "CREATE TABLE people(last TEXT, first TEXT, age INTEGER, PRIMARY KEY(last, first)) WITHOUT ROWID");
    // Open until the connection is closed (closing it would release SQLite's locks on the file).
    try (FileChannel shm = FileChannel.open(Path.of(db.file + "-shm"), StandardOpenOption.READ); db) {
      db.transaction(SqliteDb.insertRows("r", 1, 50, 100));
      db.exec("INSERT INTO people VALUES ('n', 'a', 3)");
      WalIndex a = WalIndex.read(shm).orElseThrow();
      WalHeader h = header(db.walFile());
      assertThat(a.inGeneration(h)).isTrue();
      assertThat(a.maxFrame()).isEqualTo(committedFrames(db.walFile())).isPositive();
      assertThat(a.endOffset(h.frameSize())).isEqualTo(Files.size(db.walFile()));

      // Replacing a row of a WITHOUT ROWID table by the same values, or setting a column to its
      // value, writes no page: SQLite commits nothing to the WAL and counts nothing.
      db.exec("INSERT OR REPLACE INTO people VALUES ('n', 'a', 3)", "UPDATE r SET v = v WHERE id = 1");
      WalIndex same = WalIndex.read(shm).orElseThrow();
      assertThat(same).isEqualTo(a);

      db.exec("UPDATE people SET age = 4");
      WalIndex b = WalIndex.read(shm).orElseThrow();
      assertThat(b.maxFrame()).isEqualTo(committedFrames(db.walFile())).isGreaterThan(a.maxFrame());
      assertThat(b.changeCounter()).isNotEqualTo(a.changeCounter());

      // A TRUNCATE checkpoint moves the wal-index to a new generation with no frame and empties
      // the WAL file; the next commit writes the new header and frames from the start.
      db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      WalIndex restarted = WalIndex.read(shm).orElseThrow();
      assertThat(restarted.maxFrame()).isZero();
      assertThat(restarted.salt1()).isNotEqualTo(h.salt1());
      assertThat(Files.size(db.walFile())).isZero();
      db.exec("INSERT INTO r(v) VALUES ('after the restart')");
      WalIndex c = WalIndex.read(shm).orElseThrow();
      WalHeader newHeader = header(db.walFile());
      assertThat(c.inGeneration(newHeader)).isTrue();
      assertThat(newHeader.salt1()).isNotEqualTo(h.salt1());
      assertThat(c.maxFrame()).isEqualTo(committedFrames(db.walFile())).isPositive().isLessThan(b.maxFrame());
    }
  }

  @Test
  void aHeaderBeingWritten_copiesDiffering_orWithABadChecksum_isUnknown() throws Exception {
    try (SqliteDb db = SqliteDb.create(dir, "y.db", 4096)) {
      db.exec("CREATE TABLE r(id INTEGER PRIMARY KEY, v)");
      byte[] shm = Files.readAllBytes(Path.of(db.file + "-shm"));
      assertThat(WalIndex.parse(ByteBuffer.wrap(shm))).isPresent();
      byte[] torn = shm.clone();
      torn[48 + 16] ^= 1; // the second copy's mxFrame differs: a writer is between the two copies
      assertThat(WalIndex.parse(ByteBuffer.wrap(torn))).isEmpty();
      byte[] badSum = shm.clone();
      badSum[16] ^= 1;
      badSum[48 + 16] ^= 1; // both copies alike, checksum wrong
      assertThat(WalIndex.parse(ByteBuffer.wrap(badSum))).isEmpty();
    }
  }
}
