package io.walflow.ingest.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.walflow.ingest.change.Value;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed input: real database images with flipped bytes, damaged page headers and cell
 * pointers, truncated files, and raw garbage fed to the page and record decoders. The only
 * acceptable outcomes are a result or a {@link DecodeException}; any other exception, a hang or an
 * allocation driven by a garbage length fails the test. Iterations: {@code
 * -Dwalflow.decode.fuzz=N} (default {@value #DEFAULT_ITERATIONS}); the seed is printed in every
 * failure.
 */
class CorruptionFuzzTest {
  static final int DEFAULT_ITERATIONS = 400;
  @TempDir static Path dir;
  private static final List<ByteImage[]> PAIRS = new ArrayList<>();

  @BeforeAll
  static void buildDatabases() throws Exception {
    PAIRS.add(pair(new TestDb(dir, 512, "UTF-8", "NONE")));
    PAIRS.add(pair(new TestDb(dir, 4096, "UTF-16le", "FULL")));
    PAIRS.add(pair(new TestDb(dir, 1024, "UTF-16be", "INCREMENTAL", 16)));
  }

  /** A database with every kind of page, before and after one more commit. */
  private static ByteImage[] pair(TestDb db) throws Exception {
    try (db) {
      db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b BLOB, c REAL)",
          "CREATE TABLE w(k TEXT, n INT, v, PRIMARY KEY(n, k)) WITHOUT ROWID",
          "CREATE INDEX ta ON t(a)", "CREATE VIEW v AS SELECT * FROM t",
          "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END",
          "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 300) "
              + "INSERT INTO t SELECT i, printf('%.*c', i * 7 % 900, 'x'), zeroblob(i * 13 % 3000), i / 3.0 FROM c",
          "INSERT INTO w SELECT a, id, b FROM t WHERE id % 5 = 0");
      ByteImage before = db.image();
      db.exec("UPDATE t SET a = a || 'y' WHERE id % 11 = 0", "DELETE FROM w WHERE n % 3 = 0",
          "ALTER TABLE t ADD COLUMN d DEFAULT 'q'");
      return new ByteImage[] {before, db.image()};
    }
  }

  @Test
  void decoders_survive_malformedImages() {
    long seed = Long.getLong("walflow.decode.fuzz.seed", System.nanoTime());
    int iterations = Integer.getInteger("walflow.decode.fuzz", DEFAULT_ITERATIONS);
    int[] outcomes = new int[2];
    assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
      Random rnd = new Random(seed);
      for (int i = 0; i < iterations; i++) {
        ByteImage[] pair = PAIRS.get(rnd.nextInt(PAIRS.size()));
        ByteImage bad = mutate(pair[rnd.nextInt(2)], rnd);
        String where = "seed=" + seed + " iteration=" + i;
        outcomes[attempt(() -> new CommitDecoder("fuzz").decodeSnapshot(bad), where)]++;
        outcomes[attempt(() -> new CommitDecoder("fuzz").decode(pair[0], bad, ByteImage.changedPages(pair[0], bad)), where)]++;
        outcomes[attempt(() -> new CommitDecoder("fuzz").decode(bad, pair[1], ByteImage.changedPages(bad, pair[1])), where)]++;
      }
    }, "seed=" + seed);
    System.out.printf("fuzz seed=%d: %d decoded cleanly, %d rejected as corrupt%n", seed, outcomes[0], outcomes[1]);
    assertThat(outcomes[1]).as("seed=%d: some mutations must be detected", seed).isPositive();
  }

  private interface Decode {
    Object run();
  }

  /** 0 for a clean result, 1 for a DecodeException; anything else fails. */
  private static int attempt(Decode d, String where) {
    try {
      d.run();
      return 0;
    } catch (DecodeException expected) {
      assertThat(expected.getMessage()).as(where).isNotBlank();
      return 1;
    } catch (RuntimeException | Error e) {
      throw new AssertionError(where + ": unexpected " + e, e);
    }
  }

  private static ByteImage mutate(ByteImage img, Random rnd) {
    byte[] b = img.bytes().clone();
    int ps = img.pageSize();
    switch (rnd.nextInt(5)) {
      case 0 -> { // truncate to fewer pages
        int pages = 1 + rnd.nextInt(img.pageCount());
        return new ByteImage(Arrays.copyOf(b, pages * ps), ps);
      }
      case 1 -> { // damage a b-tree page header or cell pointer
        int page = rnd.nextInt(img.pageCount());
        int base = page * ps + (page == 0 ? 100 : 0);
        for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
          b[base + rnd.nextInt(24)] = (byte) rnd.nextInt(256);
        }
      }
      case 2 -> { // the database header
        b[16 + rnd.nextInt(48)] = (byte) rnd.nextInt(256);
      }
      case 3 -> { // a page number or varint-sized field somewhere
        int at = rnd.nextInt(b.length - 4);
        ByteBuffer.wrap(b).putInt(at, rnd.nextBoolean() ? rnd.nextInt(img.pageCount() + 3) : rnd.nextInt());
      }
      default -> { // random bytes anywhere
        for (int k = 1 + rnd.nextInt(16); k > 0; k--) {
          b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
        }
      }
    }
    return new ByteImage(b, ps);
  }

  @Test
  void recordDecoder_rejectsGarbage_withCorruptPageException() {
    long seed = System.nanoTime();
    Random rnd = new Random(seed);
    for (int i = 0; i < 20_000; i++) {
      byte[] r = new byte[rnd.nextInt(40)];
      rnd.nextBytes(r);
      if (r.length > 0 && rnd.nextBoolean()) {
        r[0] = (byte) rnd.nextInt(Math.max(1, r.length + 1)); // plausible header sizes too
      }
      try {
        Value[] v = RecordDecoder.decode(r, TextEncoding.UTF_8, 7, 100);
        assertThat(v.length).isLessThanOrEqualTo(r.length);
      } catch (CorruptPageException e) {
        assertThat(e.page()).as("seed=%d", seed).isEqualTo(7);
      }
    }
  }

  @Test
  void btreePage_rejectsGarbage_withCorruptPageException() {
    long seed = System.nanoTime();
    Random rnd = new Random(seed);
    int[] types = {0x02, 0x05, 0x0a, 0x0d};
    for (int i = 0; i < 20_000; i++) {
      byte[] page = new byte[512];
      rnd.nextBytes(page);
      page[0] = (byte) types[rnd.nextInt(4)];
      page[3] = 0;
      page[4] = (byte) rnd.nextInt(40);
      try {
        BtreePage p = BtreePage.parse(PageBuf.wrap(2, ByteBuffer.wrap(page), 512), 512, page[0] == 0x02 || page[0] == 0x0a);
        for (int c = 0; c < p.cellCount; c++) {
          if (p.hasPayloads()) {
            p.cell(c);
          }
        }
        for (int c = 0; c < p.childCount(); c++) {
          p.child(c);
        }
      } catch (CorruptPageException e) {
        assertThat(e.page()).as("seed=%d", seed).isEqualTo(2);
      }
    }
  }

  @Test
  void overflow_loopingChain_isCorruption() throws Exception {
    ByteImage img = PAIRS.get(0)[0];
    byte[] b = img.bytes().clone();
    // Point every page's first four bytes at itself: any overflow chain now loops immediately.
    for (int p = 2; p <= img.pageCount(); p++) {
      ByteBuffer.wrap(b).putInt((p - 1) * img.pageSize(), p);
    }
    BitSet all = new BitSet();
    all.set(1, img.pageCount() + 1);
    int outcome = attempt(() -> new CommitDecoder("loop").decodeSnapshot(new ByteImage(b, img.pageSize())), "loop");
    assertThat(outcome).isEqualTo(1);
  }
}
