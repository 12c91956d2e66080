package io.walflow.ingest.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link WalChecksum} against values worked out by hand and against the independent reference in
 * {@link WalBytes#checksum}, which is itself checked against SQLite's own WAL bytes.
 */
class WalChecksumTest {
  @TempDir Path dir;

  /** Worked by hand from {@code s0 += x[i] + s1; s1 += x[i+1] + s0}, starting from (0, 0). */
  @Test
  void update_matchesAValueWorkedByHand() {
    byte[] le = {1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0};
    byte[] be = {0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4};
    // pair (1, 2): s0 = 0 + 1 + 0 = 1, s1 = 0 + 2 + 1 = 3
    // pair (3, 4): s0 = 1 + 3 + 3 = 7, s1 = 3 + 4 + 7 = 14
    long expected = WalChecksum.pack(7, 14);

    assertThat(WalChecksum.update(0L, ByteBuffer.wrap(le), 0, 16, false)).isEqualTo(expected);
    assertThat(WalChecksum.update(0L, ByteBuffer.wrap(be), 0, 16, true)).isEqualTo(expected);
    assertThat(WalChecksum.update(0L, ByteBuffer.wrap(le), 0, 16, true)).isNotEqualTo(expected);
  }

  /** Sums wrap around at 2^32, as SQLite's u32 arithmetic does. */
  @Test
  void update_wrapsAroundAt32Bits() {
    byte[] ff = new byte[8];
    java.util.Arrays.fill(ff, (byte) 0xff);
    // x = (0xffffffff, 0xffffffff) from seed (1, 2):
    // s0 = 1 + 0xffffffff + 2 = 2 (mod 2^32), s1 = 2 + 0xffffffff + 2 = 3 (mod 2^32)
    assertThat(WalChecksum.update(WalChecksum.pack(1, 2), ByteBuffer.wrap(ff), 0, 8, true))
        .isEqualTo(WalChecksum.pack(2, 3));
  }

  /** Rerun with {@code -Dwalflow.wal.checksum.seed=N}; the seed is printed and in every failure. */
  @Test
  void update_equalsTheReferenceOnRandomInput() {
    long seed = Long.getLong("walflow.wal.checksum.seed", System.nanoTime());
    System.out.println("WalChecksumTest seed=" + seed);
    Random rnd = new Random(seed);
    for (int round = 0; round < 500; round++) {
      int len = 8 * rnd.nextInt(200);
      int off = rnd.nextInt(40);
      byte[] data = new byte[off + len + rnd.nextInt(16)];
      rnd.nextBytes(data);
      int s0 = rnd.nextInt();
      int s1 = rnd.nextInt();
      boolean bigEndian = rnd.nextBoolean();
      int[] ref = WalBytes.checksum(bigEndian, data, off, len, new int[] {s0, s1});
      ByteBuffer buf = ByteBuffer.wrap(data).order(rnd.nextBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
      buf.position(rnd.nextInt(data.length + 1)); // ignored: offsets are absolute

      long got = WalChecksum.update(WalChecksum.pack(s0, s1), buf, off, len, bigEndian);

      assertThat(got).as("seed %d round %d", seed, round).isEqualTo(WalChecksum.pack(ref[0], ref[1]));
    }
  }

  @Test
  void update_chainsAcrossCalls() {
    byte[] data = WalScannerTest.pattern(4096, 3);
    ByteBuffer b = ByteBuffer.wrap(data);
    long whole = WalChecksum.update(0L, b, 0, 4096, false);
    long split = WalChecksum.update(WalChecksum.update(0L, b, 0, 1024, false), b, 1024, 3072, false);
    assertThat(split).isEqualTo(whole);
  }

  @Test
  void update_lengthNotAMultipleOf8_isRejected() {
    assertThatThrownBy(() -> WalChecksum.update(0L, ByteBuffer.allocate(16), 0, 12, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("12");
  }

  @Test
  void pack_keepsBothWordsIncludingTheSignBit() {
    long p = WalChecksum.pack(0x80000001, 0xfffffffe);
    assertThat(WalChecksum.s0(p)).isEqualTo(0x80000001);
    assertThat(WalChecksum.s1(p)).isEqualTo(0xfffffffe);
    assertThat(p).isEqualTo(0x80000001_fffffffeL);
  }

  /**
   * The reference used to re-encode WALs reproduces SQLite's own bytes exactly: same header
   * checksum, same checksum in every frame.
   */
  @ParameterizedTest(name = "page size {0}")
  @ValueSource(ints = {512, 4096, 65536})
  void reference_reproducesTheWalSqliteWrote(int pageSize) throws Exception {
    byte[] wal;
    try (SqliteDb db = SqliteDb.create(dir, "ref-" + pageSize + ".db", pageSize)) {
      db.transaction("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v BLOB)", SqliteDb.insertRows("t", 1, 40, 300));
      db.transaction("UPDATE t SET v = randomblob(50) WHERE id % 2 = 0");
      wal = db.walBytes();
    }
    assertThat(WalBytes.write(WalBytes.parse(wal))).isEqualTo(wal);

    ByteBuffer b = ByteBuffer.wrap(wal);
    long header = WalChecksum.update(0L, b, 0, 24, (b.getInt(0) & 1) == 1);
    assertThat(header).isEqualTo(WalChecksum.pack(b.getInt(24), b.getInt(28)));
  }
}
