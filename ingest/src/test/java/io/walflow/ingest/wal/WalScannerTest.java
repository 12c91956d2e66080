package io.walflow.ingest.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link WalScanner} against WAL files written by SQLite itself (sqlite-jdbc), with SQLite as the
 * oracle: the pages of the first k scanned commits, applied over the database file, must give a
 * file that SQLite opens with exactly the content it reported after transaction k.
 */
class WalScannerTest {
  @TempDir Path dir;

  /** Transactions run on a fresh WAL, with SQLite's view of the database after each. */
  record Recorded(byte[] base, byte[] wal, int pageSize, List<Map<String, List<String>>> contents,
      List<Integer> pageCounts) {}

  private static Recorded run(SqliteDb db, int pageSize, List<List<String>> txns) throws Exception {
    byte[] base = db.dbBytes();
    if (Files.exists(db.walFile())) {
      assertThat(WalBytes.parse(db.walBytes()).frames()).as("frames in the WAL before the workload").isEmpty();
    }
    List<Map<String, List<String>>> contents = new ArrayList<>();
    List<Integer> pageCounts = new ArrayList<>();
    for (List<String> t : txns) {
      db.transaction(t.toArray(String[]::new));
      contents.add(db.content());
      pageCounts.add(db.pageCount());
    }
    return new Recorded(base, db.walBytes(), pageSize, contents, pageCounts);
  }

  /** Six transactions: DDL, many small rows, overflow chains, updates, deletes, a new table. */
  private static List<List<String>> workload() {
    return List.of(
        List.of("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v BLOB)", "CREATE INDEX t_name ON t(name)"),
        List.of(SqliteDb.insertRows("t", 1, 50, 100)),
        List.of(SqliteDb.insertRows("t", 1000, 3, 20_000)),
        List.of("UPDATE t SET v = randomblob(300) WHERE id % 3 = 0", "UPDATE t SET name = name || '!' WHERE id < 10"),
        List.of("DELETE FROM t WHERE id BETWEEN 10 AND 30", "DELETE FROM t WHERE id = 1001"),
        List.of("CREATE TABLE u(id INTEGER PRIMARY KEY, name TEXT, v BLOB)", SqliteDb.insertRows("u", 1, 5, 10),
            "DROP INDEX t_name"));
  }

  private Recorded standard(int pageSize) throws Exception {
    try (SqliteDb db = SqliteDb.create(dir, "std-" + pageSize + ".db", pageSize)) {
      return run(db, pageSize, workload());
    }
  }

  private List<WalCommit> scan(byte[] wal) throws IOException {
    return SqliteDb.scanAll(wal, Files.createTempFile(dir, "scan", "-wal"));
  }

  // ------------------------------------------------------------------ commit grouping and oracle

  @ParameterizedTest(name = "page size {0}")
  @ValueSource(ints = {512, 4096, 65536})
  void scan_everyPrefixOfCommitsRebuildsTheDatabaseAsSqliteSawIt(int pageSize) throws Exception {
    Recorded r = standard(pageSize);
    List<WalCommit> commits = scan(r.wal());

    assertThat(commits).hasSize(r.contents().size());
    assertEveryPrefixRebuilds(r, commits);
    try (FileChannel ch = FileChannel.open(write("hdr-" + pageSize + "-wal", r.wal()))) {
      WalHeader h = WalScanner.readHeader(ch, "test").orElseThrow();
      assertThat(h.pageSize()).isEqualTo(pageSize);
      assertThat(h.frameSize()).isEqualTo(24 + pageSize);
    }
  }

  @Test
  void scan_returnsOneCommitPerTransaction_withItsPagesAndDatabaseSize() throws Exception {
    Recorded r = standard(4096);
    WalBytes.Wal raw = WalBytes.parse(r.wal());
    List<WalCommit> commits = scan(r.wal());

    List<SortedMap<Integer, byte[]>> expected = expectedPages(raw);
    assertThat(commits).hasSize(6).hasSize(expected.size());
    int frames = 0;
    long previousEnd = WalHeader.SIZE;
    for (int i = 0; i < commits.size(); i++) {
      WalCommit c = commits.get(i);
      assertThat(c.dbSizePages()).as("db size after transaction %d", i + 1).isEqualTo(r.pageCounts().get(i));
      assertSamePages(c.pages(), expected.get(i));
      assertThat(c.pages().keySet()).allSatisfy(p -> assertThat(p).isBetween(1, c.dbSizePages()));
      assertThat(c.pages().values()).allSatisfy(p -> assertThat(p).hasSize(4096));
      frames += c.frameCount();
      assertThat(c.end().offset()).isEqualTo(previousEnd + (long) c.frameCount() * raw.frameSize());
      assertThat(c.end().salt1()).isEqualTo(raw.salt1());
      assertThat(c.end().salt2()).isEqualTo(raw.salt2());
      previousEnd = c.end().offset();
    }
    assertThat(frames).isEqualTo(raw.frames().size());
    assertThat(previousEnd).isEqualTo(r.wal().length);
  }

  @Test
  void scan_withMaxCommits_returnsTheRestFromTheReturnedPosition() throws Exception {
    Recorded r = standard(4096);
    Path wal = write("max-wal", r.wal());
    List<WalCommit> all = SqliteDb.scanAll(wal);
    try (FileChannel ch = FileChannel.open(wal)) {
      WalHeader h = WalScanner.readHeader(ch, "test").orElseThrow();
      WalScanner s = new WalScanner(ch, h, "test");
      List<WalCommit> first = s.scan(WalPosition.start(h), 2);
      List<WalCommit> rest = s.scan(first.get(1).end(), Integer.MAX_VALUE);
      assertThat(first).hasSize(2);
      List<WalCommit> joined = new ArrayList<>(first);
      joined.addAll(rest);
      assertSameCommits(joined, all);
      assertThat(s.scan(all.get(all.size() - 1).end(), 10)).isEmpty();
    }
  }

  @Test
  void scan_emptyWal_returnsNothing() throws Exception {
    Recorded r = standard(4096);
    byte[] headerOnly = Arrays.copyOf(r.wal(), WalHeader.SIZE);
    assertThat(scan(headerOnly)).isEmpty();
  }

  @Test
  void frameFollows_isTrueOnlyWhereAFrameHeaderOfThisGenerationStarts() throws Exception {
    Recorded r = standard(4096);
    Path wal = write("follows-wal", r.wal());
    List<WalCommit> all = SqliteDb.scanAll(wal);
    try (FileChannel ch = FileChannel.open(wal)) {
      WalHeader h = WalScanner.readHeader(ch, "test").orElseThrow();
      WalScanner s = new WalScanner(ch, h, "test");
      assertThat(s.frameFollows(WalPosition.start(h))).isTrue();
      assertThat(s.frameFollows(all.get(2).end())).isTrue();
      assertThat(s.frameFollows(all.get(all.size() - 1).end())).as("at the end of the file").isFalse();
    }
    Path torn = write("torn-header-wal", Arrays.copyOf(r.wal(), WalHeader.SIZE + 10));
    try (FileChannel ch = FileChannel.open(torn)) {
      WalHeader h = WalScanner.readHeader(ch, "test").orElseThrow();
      assertThat(new WalScanner(ch, h, "test").frameFollows(WalPosition.start(h))).as("a partial frame header").isFalse();
    }
  }

  // ------------------------------------------------------------------ pages above the database size

  @Test
  void scan_dropsPagesAboveTheDatabaseSize_whenAutoVacuumShrinksTheFileAtCommit() throws Exception {
    Recorded r;
    try (SqliteDb db = SqliteDb.create(dir, "full-vacuum.db", 4096, "PRAGMA auto_vacuum=FULL")) {
      db.exec("PRAGMA cache_size=5"); // small cache: the big transaction spills high pages to the WAL
      r = run(db, 4096, List.of(
          List.of("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v BLOB)", SqliteDb.insertRows("t", 1, 2, 10)),
          List.of(SqliteDb.insertRows("t", 100, 300, 1000), "DELETE FROM t WHERE id >= 100")));
    }
    WalBytes.Wal raw = WalBytes.parse(r.wal());
    int lastCommit = raw.commitFrames().get(1);
    int dbSize = raw.frames().get(lastCommit).dbSize();
    assertThat(raw.frames().subList(raw.commitFrames().get(0) + 1, lastCommit))
        .as("precondition: the transaction wrote frames for pages its commit truncated away")
        .anySatisfy(f -> assertThat(f.pgno()).isGreaterThan(dbSize));

    List<WalCommit> commits = scan(r.wal());

    assertThat(commits).hasSize(2);
    assertThat(commits.get(1).dbSizePages()).isEqualTo(dbSize).isEqualTo(r.pageCounts().get(1));
    assertThat(commits.get(1).pages().lastKey()).isLessThanOrEqualTo(dbSize);
    assertThat(commits.get(1).frameCount()).isEqualTo(lastCommit - raw.commitFrames().get(0));
    assertEveryPrefixRebuilds(r, commits);
  }

  @Test
  void scan_incrementalVacuumCommit_hasTheSmallerDatabaseSize() throws Exception {
    Recorded r;
    try (SqliteDb db = SqliteDb.create(dir, "incr.db", 1024, "PRAGMA auto_vacuum=INCREMENTAL")) {
      String[] vacuum = new String[12];
      Arrays.fill(vacuum, "PRAGMA incremental_vacuum(1)");
      r = run(db, 1024, List.of(
          List.of("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v BLOB)", SqliteDb.insertRows("t", 1, 100, 500)),
          List.of("DELETE FROM t WHERE id > 10"),
          List.of(vacuum)));
    }
    List<WalCommit> commits = scan(r.wal());

    assertThat(commits).hasSize(3);
    assertThat(commits.get(2).dbSizePages()).isEqualTo(r.pageCounts().get(2))
        .isLessThan(commits.get(1).dbSizePages());
    assertEveryPrefixRebuilds(r, commits);
  }

  @Test
  void scan_dropsAFramePastTheDatabaseSize_inAHandMadeTransaction() throws Exception {
    Recorded r = standard(4096);
    WalBytes.Wal raw = WalBytes.parse(r.wal());
    int commit2 = raw.commitFrames().get(1);
    int dbSize = raw.frames().get(commit2).dbSize();
    List<WalBytes.Frame> frames = new ArrayList<>(raw.frames().subList(0, commit2));
    frames.add(new WalBytes.Frame(dbSize + 3, 0, pattern(4096, 7)));
    frames.add(raw.frames().get(commit2));
    List<WalCommit> commits = scan(raw.withFrames(frames).encode());

    assertThat(commits).hasSize(2);
    assertThat(commits.get(1).pages()).doesNotContainKey(dbSize + 3);
    assertThat(commits.get(1).frameCount()).isEqualTo(commit2 - raw.commitFrames().get(0) + 1);
    Path rebuilt = SqliteDb.rebuild(r.base(), commits, 4096, dir.resolve("past-size.db"));
    assertThat(Files.size(rebuilt)).isEqualTo(dbSize * 4096L);
    assertThat(SqliteDb.contentOf(rebuilt)).isEqualTo(r.contents().get(1));
  }

  // ------------------------------------------------------------------ repeated pages

  @Test
  void scan_pageWrittenTwiceInOneTransaction_lastImageWins_sqliteSpill() throws Exception {
    Recorded r;
    try (SqliteDb db = SqliteDb.create(dir, "spill.db", 4096, "PRAGMA auto_vacuum=INCREMENTAL")) {
      db.exec("PRAGMA cache_size=5");
      r = run(db, 4096, List.of(
          List.of("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v BLOB)"),
          List.of(SqliteDb.insertRows("t", 1, 300, 1000), "UPDATE t SET v = randomblob(1000)",
              "DELETE FROM t WHERE id > 10")));
    }
    WalBytes.Wal raw = WalBytes.parse(r.wal());
    List<WalBytes.Frame> txn2 = raw.frames().subList(raw.commitFrames().get(0) + 1, raw.commitFrames().get(1) + 1);
    assertThat(txn2.stream().map(WalBytes.Frame::pgno).distinct().count())
        .as("precondition: SQLite wrote some page twice in the transaction")
        .isLessThan(txn2.size());

    List<WalCommit> commits = scan(r.wal());

    assertThat(commits).hasSize(2);
    assertSamePages(commits.get(1).pages(), expectedPages(raw).get(1));
    assertThat(commits.get(1).frameCount()).isEqualTo(txn2.size());
    assertEveryPrefixRebuilds(r, commits);
  }

  @Test
  void scan_pageWrittenTwiceInOneTransaction_lastImageWins_handMade() throws Exception {
    Recorded r;
    try (SqliteDb db = SqliteDb.create(dir, "twice.db", 4096)) {
      r = run(db, 4096, List.of(
          List.of("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v BLOB)"),
          List.of(SqliteDb.insertRows("t", 1, 5, 10)),
          List.of("UPDATE t SET name = 'changed' WHERE id = 2")));
    }
    WalBytes.Wal raw = WalBytes.parse(r.wal());
    List<Integer> at = raw.commitFrames();
    // Transactions 2 and 3 merged into one: transaction 2's frames lose their commit mark.
    List<WalBytes.Frame> frames = new ArrayList<>(raw.frames().subList(0, at.get(0) + 1));
    raw.frames().subList(at.get(0) + 1, at.get(1) + 1).forEach(f -> frames.add(f.withDbSize(0)));
    frames.addAll(raw.frames().subList(at.get(1) + 1, at.get(2) + 1));
    byte[] rootV2 = lastImage(raw.frames().subList(at.get(0) + 1, at.get(1) + 1), 2);
    byte[] rootV3 = lastImage(raw.frames().subList(at.get(1) + 1, at.get(2) + 1), 2);
    assertThat(rootV2).as("precondition: page 2 differs between the transactions").isNotEqualTo(rootV3);

    List<WalCommit> commits = scan(raw.withFrames(frames).encode());

    assertThat(commits).hasSize(2);
    assertThat(commits.get(1).pages().get(2)).isEqualTo(rootV3);
    assertThat(commits.get(1).frameCount()).isEqualTo(at.get(2) - at.get(0));
    Path rebuilt = SqliteDb.rebuild(r.base(), commits, 4096, dir.resolve("twice-rebuilt.db"));
    assertThat(SqliteDb.contentOf(rebuilt)).isEqualTo(r.contents().get(2));
  }

  // ------------------------------------------------------------------ torn, uncommitted and invalid tails

  @Test
  void scan_tornTail_returnsTheLastTransactionOnlyOnceItIsComplete() throws Exception {
    Recorded r = standard(4096);
    WalBytes.Wal raw = WalBytes.parse(r.wal());
    List<WalCommit> full = scan(r.wal());
    List<Integer> at = raw.commitFrames();
    int lastCommit = at.get(at.size() - 1);
    int firstOfLast = at.get(at.size() - 2) + 1;
    assertThat(lastCommit).as("precondition: the last transaction has several frames").isGreaterThan(firstOfLast);
    long[] cuts = {
        raw.offsetOf(firstOfLast) + 1,                   // inside the first frame header
        raw.offsetOf(lastCommit),                        // every frame but the commit frame
        raw.offsetOf(lastCommit) + 10,                   // inside the commit frame's header
        raw.offsetOf(lastCommit) + 24 + 4096 / 2,        // inside the commit frame's page
        r.wal().length - 1};                             // one byte short
    for (long cut : cuts) {
      Path wal = write("torn-" + cut + "-wal", Arrays.copyOf(r.wal(), (int) cut));
      try (FileChannel ch = FileChannel.open(wal)) {
        WalHeader h = WalScanner.readHeader(ch, "test").orElseThrow();
        WalScanner scanner = new WalScanner(ch, h, "test");
        List<WalCommit> before = scanner.scan(WalPosition.start(h), Integer.MAX_VALUE);
        assertSameCommits(before, full.subList(0, full.size() - 1));
        WalPosition last = before.get(before.size() - 1).end();
        assertThat(scanner.scan(last, Integer.MAX_VALUE)).as("cut at %d, scanned again", cut).isEmpty();

        Files.write(wal, Arrays.copyOfRange(r.wal(), (int) cut, r.wal().length), StandardOpenOption.APPEND);

        List<WalCommit> after = scanner.scan(last, Integer.MAX_VALUE);
        assertSameCommits(after, full.subList(full.size() - 1, full.size()));
      }
    }
  }

  @Test
  void scan_ignoresFramesOfATransactionStillOpen() throws Exception {
    try (SqliteDb db = SqliteDb.create(dir, "open.db", 4096)) {
      db.exec("PRAGMA cache_size=5");
      byte[] base = db.dbBytes();
      db.transaction("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v BLOB)", SqliteDb.insertRows("t", 1, 10, 50));
      db.conn.setAutoCommit(false);
      try (Statement s = db.conn.createStatement()) {
        s.execute(SqliteDb.insertRows("t", 100, 300, 1000)); // spills uncommitted frames into the WAL
      }
      byte[] open = db.walBytes();
      WalBytes.Wal raw = WalBytes.parse(open);
      int committedFrames = raw.commitFrames().get(raw.commitFrames().size() - 1) + 1;
      assertThat(raw.frames()).as("precondition: uncommitted frames in the WAL").hasSizeGreaterThan(committedFrames);

      Path wal = write("open-wal", open);
      try (FileChannel ch = FileChannel.open(wal)) {
        WalHeader h = WalScanner.readHeader(ch, "test").orElseThrow();
        WalScanner scanner = new WalScanner(ch, h, "test");
        List<WalCommit> before = scanner.scan(WalPosition.start(h), Integer.MAX_VALUE);
        assertThat(before).hasSize(1);
        assertThat(before.get(0).end().offset()).isEqualTo(raw.offsetOf(committedFrames));

        db.conn.commit();
        db.conn.setAutoCommit(true);
        Files.write(wal, db.walBytes());

        List<WalCommit> after = scanner.scan(before.get(0).end(), Integer.MAX_VALUE);
        assertThat(after).hasSize(1);
        List<WalCommit> all = new ArrayList<>(before);
        all.addAll(after);
        Path rebuilt = SqliteDb.rebuild(base, all, 4096, dir.resolve("open-rebuilt.db"));
        assertThat(SqliteDb.integrityCheck(rebuilt)).isEqualTo("ok");
        assertThat(SqliteDb.contentOf(rebuilt)).isEqualTo(db.content());
      }
    }
  }

  @Test
  void scan_trailingFramesWithoutACommitFrame_areNotReturned() throws Exception {
    Recorded r = standard(4096);
    WalBytes.Wal raw = WalBytes.parse(r.wal());
    List<Integer> at = raw.commitFrames();
    List<WalBytes.Frame> frames = new ArrayList<>(raw.frames());
    int last = at.get(at.size() - 1);
    frames.set(last, frames.get(last).withDbSize(0));
    List<WalCommit> full = scan(r.wal());

    List<WalCommit> commits = scan(raw.withFrames(frames).encode());

    assertSameCommits(commits, full.subList(0, full.size() - 1));
  }

  /** Every single-byte change anywhere in one transaction's frames ends the log before it. */
  @Test
  void scan_anyFlippedByteInATransaction_returnsOnlyTheTransactionsBeforeIt() throws Exception {
    Recorded r;
    try (SqliteDb db = SqliteDb.create(dir, "flip.db", 512)) {
      r = run(db, 512, List.of(
          List.of("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT)"),
          List.of("INSERT INTO t(id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')"),
          List.of("UPDATE t SET name = 'flipped' WHERE id = 2"),
          List.of("INSERT INTO t(id, name) VALUES (4, 'd')")));
    }
    WalBytes.Wal raw = WalBytes.parse(r.wal());
    List<WalCommit> full = scan(r.wal());
    assertThat(full).hasSize(4);
    int target = 2;
    long from = raw.offsetOf(raw.commitFrames().get(target - 1) + 1);
    long to = raw.offsetOf(raw.commitFrames().get(target) + 1);
    Path wal = write("flip-wal", r.wal());
    int checked = 0;
    try (FileChannel rw = FileChannel.open(wal, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      WalHeader h = WalScanner.readHeader(rw, "test").orElseThrow();
      WalScanner scanner = new WalScanner(rw, h, "test");
      for (long pos = from; pos < to; pos++) {
        for (int mask : new int[] {0x01, 0x80}) {
          byte original = r.wal()[(int) pos];
          rw.write(ByteBuffer.wrap(new byte[] {(byte) (original ^ mask)}), pos);
          List<WalCommit> got = scanner.scan(WalPosition.start(h), Integer.MAX_VALUE);
          rw.write(ByteBuffer.wrap(new byte[] {original}), pos);
          if (got.size() != target) {
            throw new AssertionError("flipping mask 0x" + Integer.toHexString(mask) + " at WAL offset " + pos
                + " returned " + got.size() + " commits, expected " + target);
          }
          assertSameCommits(got, full.subList(0, target));
          checked++;
        }
      }
      assertThat(scanner.scan(WalPosition.start(h), Integer.MAX_VALUE)).hasSize(4);
    }
    assertThat(checked).isEqualTo(2 * (to - from));
  }

  @Test
  void scan_frameWithOtherSalts_endsTheLog_evenWhenItsChecksumIsValid() throws Exception {
    Recorded r = standard(4096);
    WalBytes.Wal raw = WalBytes.parse(r.wal());
    List<WalCommit> full = scan(r.wal());
    int firstOfTxn4 = raw.commitFrames().get(2) + 1;
    for (int saltOffset : new int[] {8, 12}) {
      byte[] wal = r.wal().clone();
      ByteBuffer b = ByteBuffer.wrap(wal);
      int at = (int) raw.offsetOf(firstOfTxn4) + saltOffset;
      b.putInt(at, b.getInt(at) + 1); // salts are not covered by the checksum

      assertSameCommits(scan(wal), full.subList(0, 3));
    }
  }

  /** A RESTART checkpoint: the next writer rewinds the WAL with new salts; old frames stay behind it. */
  @Test
  void scan_afterSqliteRestartsTheWal_readsOnlyTheNewGeneration() throws Exception {
    try (SqliteDb db = SqliteDb.create(dir, "restart.db", 4096)) {
      Recorded first = run(db, 4096, workload());
      WalBytes.Wal oldRaw = WalBytes.parse(first.wal());
      List<WalCommit> oldCommits = scan(first.wal());
      db.exec("PRAGMA wal_checkpoint(RESTART)");
      byte[] base = db.dbBytes();
      db.transaction("INSERT INTO t(id, name) VALUES (5000, 'after restart')");
      byte[] wal = db.walBytes();
      WalBytes.Wal raw = WalBytes.parse(wal);
      assertThat(raw.salt1()).as("precondition: a new generation").isNotEqualTo(oldRaw.salt1());
      assertThat(raw.checkpointSeq()).isEqualTo(oldRaw.checkpointSeq() + 1);
      assertThat(raw.frames().size()).as("precondition: old frames remain behind the new ones")
          .isGreaterThan(raw.commitFrames().get(0) + 1);

      Path walFile = write("restart-wal", wal);
      List<WalCommit> commits = SqliteDb.scanAll(walFile);

      assertThat(commits).hasSize(1);
      Path rebuilt = SqliteDb.rebuild(base, commits, 4096, dir.resolve("restart-rebuilt.db"));
      assertThat(SqliteDb.contentOf(rebuilt)).isEqualTo(db.content());
      try (FileChannel ch = FileChannel.open(walFile)) {
        WalHeader h = WalScanner.readHeader(ch, "restart.db").orElseThrow();
        assertThat(oldCommits.get(0).end().inGeneration(h)).isFalse();
        WalScanner scanner = new WalScanner(ch, h, "restart.db");
        // The old generation's frames after the new commit are not "something new" for a poll.
        assertThat(ch.size()).isGreaterThan(commits.get(0).end().offset() + h.frameSize());
        assertThat(scanner.frameFollows(WalPosition.start(h))).as("the new commit's first frame").isTrue();
        assertThat(scanner.frameFollows(commits.get(0).end())).as("an old generation's frame").isFalse();
        assertThatThrownBy(() -> scanner.scan(oldCommits.get(2).end(), 10))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("restart.db")
            .hasMessageContaining("not in the WAL generation");
      }
    }
  }

  @Test
  void scan_validFrameNamingPageZero_isAFormatError() throws Exception {
    Recorded r = standard(4096);
    WalBytes.Wal raw = WalBytes.parse(r.wal());
    int commit1 = raw.commitFrames().get(0);
    List<WalBytes.Frame> frames = new ArrayList<>(raw.frames().subList(0, commit1 + 1));
    frames.add(new WalBytes.Frame(0, 0, pattern(4096, 1)));
    frames.add(raw.frames().get(commit1 + 1).withDbSize(3));
    Path wal = write("pgno0-wal", raw.withFrames(frames).encode());

    assertThatThrownBy(() -> SqliteDb.scanAll(wal))
        .isInstanceOf(WalFormatException.class)
        .hasMessageContaining("offset " + raw.offsetOf(commit1 + 1))
        .hasMessageContaining("page 0");
  }

  /**
   * With synchronous=FULL and no power-safe overwrite ({@code psow=0}), SQLite pads each commit up
   * to a sector boundary by writing the commit frame again (wal.c, sqlite3WalFrames; FIELD-NOTES).
   * The copies are valid commit frames, but they are not transactions: three transactions must
   * give three commits.
   */
  @Test
  void scan_commitFrameRepeatedAsSectorPadding_isNotAnExtraTransaction() throws Exception {
    Recorded r;
    try (SqliteDb db = SqliteDb.create(dir, "psow.db", "psow=0", 4096)) {
      db.exec("PRAGMA synchronous=FULL");
      r = run(db, 4096, List.of(
          List.of("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT)"),
          List.of("INSERT INTO t(id, name) VALUES (1, 'a')"),
          List.of("INSERT INTO t(id, name) VALUES (2, 'b')")));
    }
    WalBytes.Wal raw = WalBytes.parse(r.wal());
    assertThat(raw.commitFrames()).as("precondition: SQLite padded the commits with copies of the commit frame")
        .hasSizeGreaterThan(3);

    List<WalCommit> commits = scan(r.wal());

    assertThat(commits).as("one commit per transaction").hasSize(3);
    assertEveryPrefixRebuilds(r, commits);
  }

  // ------------------------------------------------------------------ big-endian checksums

  @ParameterizedTest(name = "page size {0}")
  @ValueSource(ints = {512, 4096})
  void scan_bigEndianWal_readsTheSameCommits(int pageSize) throws Exception {
    Recorded r = standard(pageSize);
    WalBytes.Wal raw = WalBytes.parse(r.wal());
    assertThat(raw.magic()).as("SQLite on this machine writes native-order checksums")
        .isEqualTo(java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN
            ? WalHeader.MAGIC_LE : WalHeader.MAGIC_BE);
    int otherMagic = raw.magic() == WalHeader.MAGIC_LE ? WalHeader.MAGIC_BE : WalHeader.MAGIC_LE;
    byte[] other = raw.withMagic(otherMagic).encode();

    List<WalCommit> native_ = scan(r.wal());
    List<WalCommit> reencoded = scan(other);

    try (FileChannel ch = FileChannel.open(write("be-" + pageSize + "-wal", other))) {
      WalHeader h = WalScanner.readHeader(ch, "test").orElseThrow();
      assertThat(h.magic()).isEqualTo(otherMagic);
      assertThat(h.bigEndianChecksum()).isEqualTo(otherMagic == WalHeader.MAGIC_BE);
    }
    assertThat(reencoded).hasSize(native_.size());
    for (int i = 0; i < native_.size(); i++) {
      WalCommit a = native_.get(i);
      WalCommit b = reencoded.get(i);
      assertSamePages(b.pages(), a.pages());
      assertThat(b.dbSizePages()).isEqualTo(a.dbSizePages());
      assertThat(b.frameCount()).isEqualTo(a.frameCount());
      assertThat(b.end().offset()).isEqualTo(a.end().offset());
      assertThat(b.end().checksum()).as("the chain differs with the byte order").isNotEqualTo(a.end().checksum());
    }
    assertEveryPrefixRebuilds(r, reencoded);
  }

  @Test
  void scan_bigEndianWal_flippedByteStopsTheLog() throws Exception {
    Recorded r = standard(4096);
    WalBytes.Wal raw = WalBytes.parse(r.wal());
    byte[] be = raw.withMagic(WalHeader.MAGIC_BE).encode();
    List<WalCommit> full = scan(be);
    long at = raw.offsetOf(raw.commitFrames().get(3)) + 24 + 100;
    be[(int) at] ^= 0x40;

    assertSameCommits(scan(be), full.subList(0, 3));
  }

  // ------------------------------------------------------------------ helpers

  private void assertEveryPrefixRebuilds(Recorded r, List<WalCommit> commits) throws Exception {
    assertThat(commits).hasSize(r.contents().size());
    for (int k = 1; k <= commits.size(); k++) {
      Path out = SqliteDb.rebuild(r.base(), commits.subList(0, k), r.pageSize(),
          Files.createTempFile(dir, "rebuilt-" + k + "-", ".db"));
      assertThat(Files.size(out)).isEqualTo((long) r.pageCounts().get(k - 1) * r.pageSize());
      assertThat(SqliteDb.integrityCheck(out)).as("integrity after transaction %d", k).isEqualTo("ok");
      assertThat(SqliteDb.contentOf(out)).as("content after transaction %d", k).isEqualTo(r.contents().get(k - 1));
    }
  }

  /**
   * What each commit should hold, computed directly from the raw frames: frames grouped up to each
   * commit frame, the last image of a page kept, pages above the commit's size dropped.
   */
  private static List<SortedMap<Integer, byte[]>> expectedPages(WalBytes.Wal raw) {
    List<SortedMap<Integer, byte[]>> out = new ArrayList<>();
    SortedMap<Integer, byte[]> current = new TreeMap<>();
    for (WalBytes.Frame f : raw.frames()) {
      current.put(f.pgno(), f.page());
      if (f.isCommit()) {
        current.keySet().removeIf(p -> p > f.dbSize());
        out.add(current);
        current = new TreeMap<>();
      }
    }
    return out;
  }

  private static byte[] lastImage(List<WalBytes.Frame> frames, int pgno) {
    byte[] image = null;
    for (WalBytes.Frame f : frames) {
      if (f.pgno() == pgno) {
        image = f.page();
      }
    }
    assertThat(image).as("page %d in the transaction", pgno).isNotNull();
    return image;
  }

  static void assertSamePages(SortedMap<Integer, byte[]> actual, SortedMap<Integer, byte[]> expected) {
    assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
    for (Map.Entry<Integer, byte[]> e : expected.entrySet()) {
      assertThat(actual.get(e.getKey())).as("page %d", e.getKey()).isEqualTo(e.getValue());
    }
  }

  static void assertSameCommits(List<WalCommit> actual, List<WalCommit> expected) {
    assertThat(actual).hasSize(expected.size());
    for (int i = 0; i < expected.size(); i++) {
      assertSamePages(actual.get(i).pages(), expected.get(i).pages());
      assertThat(actual.get(i).dbSizePages()).isEqualTo(expected.get(i).dbSizePages());
      assertThat(actual.get(i).frameCount()).isEqualTo(expected.get(i).frameCount());
      assertThat(actual.get(i).end()).isEqualTo(expected.get(i).end());
    }
  }

  private Path write(String name, byte[] bytes) throws IOException {
    return Files.write(dir.resolve(name), bytes);
  }

  static byte[] pattern(int size, int seed) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) (i * 31 + seed);
    }
    return b;
  }
}
