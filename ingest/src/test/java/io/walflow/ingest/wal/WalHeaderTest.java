package io.walflow.ingest.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WalHeaderTest {
  @TempDir Path dir;

  private static byte[] header(int magic, int pageSize, int seq, int salt1, int salt2) {
    return WalBytes.write(new WalBytes.Wal(magic, pageSize, seq, salt1, salt2, List.of()));
  }

  @Test
  void parse_headerWrittenBySqlite() throws Exception {
    byte[] wal;
    try (SqliteDb db = SqliteDb.create(dir, "h.db", 4096)) {
      db.exec("CREATE TABLE t(x)");
      wal = db.walBytes();
    }
    ByteBuffer raw = ByteBuffer.wrap(wal);

    WalHeader h = WalHeader.parse(ByteBuffer.wrap(wal), "h.db");

    assertThat(h.magic()).isIn(WalHeader.MAGIC_LE, WalHeader.MAGIC_BE);
    assertThat(h.version()).isEqualTo(3007000);
    assertThat(h.pageSize()).isEqualTo(4096);
    assertThat(h.frameSize()).isEqualTo(4120);
    assertThat(h.checkpointSeq()).isEqualTo(raw.getInt(12));
    assertThat(h.salt1()).isEqualTo(raw.getInt(16));
    assertThat(h.salt2()).isEqualTo(raw.getInt(20));
    assertThat(h.checksum()).isEqualTo(WalChecksum.pack(raw.getInt(24), raw.getInt(28)));
    assertThat(WalPosition.start(h)).isEqualTo(new WalPosition(h.salt1(), h.salt2(), h.checkpointSeq(), 32, h.checksum()));
  }

  @ParameterizedTest(name = "page size {0}")
  @ValueSource(ints = {512, 1024, 2048, 4096, 8192, 16384, 32768, 65536})
  void parse_everyPageSizeInBothByteOrders(int pageSize) throws Exception {
    for (int magic : new int[] {WalHeader.MAGIC_LE, WalHeader.MAGIC_BE}) {
      WalHeader h = WalHeader.parse(ByteBuffer.wrap(header(magic, pageSize, 7, -5, 0x7fffffff)), "w");
      assertThat(h.pageSize()).isEqualTo(pageSize);
      assertThat(h.bigEndianChecksum()).isEqualTo(magic == WalHeader.MAGIC_BE);
      assertThat(h.checkpointSeq()).isEqualTo(7);
      assertThat(h.salt1()).isEqualTo(-5);
      assertThat(h.salt2()).isEqualTo(0x7fffffff);
    }
  }

  @Test
  void parse_readsFromTheBufferPosition() throws Exception {
    byte[] h = header(WalHeader.MAGIC_BE, 1024, 1, 2, 3);
    ByteBuffer buf = ByteBuffer.allocate(100);
    buf.position(17);
    buf.put(h);
    buf.position(17);
    assertThat(WalHeader.parse(buf, "w").pageSize()).isEqualTo(1024);
    assertThat(buf.position()).as("the caller's buffer is not moved").isEqualTo(17);
  }

  @Test
  void parse_badMagic() {
    byte[] h = header(WalHeader.MAGIC_LE, 4096, 0, 1, 2);
    h[3] = (byte) 0x84;
    assertThatThrownBy(() -> WalHeader.parse(ByteBuffer.wrap(h), "app.db"))
        .isInstanceOf(WalFormatException.class)
        .hasMessageContaining("app.db")
        .hasMessageContaining("magic 0x377f0684")
        .hasMessageContaining("expected 0x377f0682 or 0x377f0683");
  }

  @Test
  void parse_badVersion() {
    ByteBuffer b = ByteBuffer.wrap(header(WalHeader.MAGIC_LE, 4096, 0, 1, 2));
    b.putInt(4, 3007001);
    assertThatThrownBy(() -> WalHeader.parse(b, "app.db"))
        .isInstanceOf(WalFormatException.class)
        .hasMessageContaining("version 3007001, expected 3007000");
  }

  @ParameterizedTest(name = "page size {0}")
  @ValueSource(ints = {0, 1, 256, 1000, 4097, 131072, -65536})
  void parse_badPageSize(int pageSize) {
    ByteBuffer b = ByteBuffer.wrap(header(WalHeader.MAGIC_LE, 4096, 0, 1, 2));
    b.putInt(8, pageSize);
    assertThatThrownBy(() -> WalHeader.parse(b, "app.db"))
        .isInstanceOf(WalFormatException.class)
        .hasMessageContaining("page size " + pageSize);
  }

  @Test
  void parse_badChecksum_namesStoredAndComputed() {
    ByteBuffer b = ByteBuffer.wrap(header(WalHeader.MAGIC_LE, 4096, 0, 1, 2));
    long good = WalChecksum.pack(b.getInt(24), b.getInt(28));
    b.putInt(20, 3); // salt-2 changed, checksum not
    assertThatThrownBy(() -> WalHeader.parse(b, "app.db"))
        .isInstanceOf(WalFormatException.class)
        .hasMessageContaining("app.db")
        .hasMessageContaining(String.format("stored %016x", good))
        .hasMessageContaining("computed");
  }

  /** A header whose checksum was made with the other byte order is rejected. */
  @Test
  void parse_checksumInTheWrongByteOrder() {
    ByteBuffer b = ByteBuffer.wrap(header(WalHeader.MAGIC_LE, 4096, 0, 1, 2));
    b.putInt(0, WalHeader.MAGIC_BE);
    assertThatThrownBy(() -> WalHeader.parse(b, "app.db")).isInstanceOf(WalFormatException.class)
        .hasMessageContaining("checksum");
  }

  @Test
  void parse_shortBuffer() {
    byte[] h = header(WalHeader.MAGIC_LE, 4096, 0, 1, 2);
    assertThatThrownBy(() -> WalHeader.parse(ByteBuffer.wrap(h, 0, 31), "app.db"))
        .isInstanceOf(WalFormatException.class)
        .hasMessageContaining("needs 32 bytes, found 31");
  }

  @Test
  void readHeader_fileShorterThanAHeader_isEmpty() throws Exception {
    for (int size : new int[] {0, 1, 31}) {
      Path f = Files.write(dir.resolve("short-" + size + "-wal"),
          java.util.Arrays.copyOf(header(WalHeader.MAGIC_LE, 4096, 0, 1, 2), size));
      try (FileChannel ch = FileChannel.open(f)) {
        assertThat(WalScanner.readHeader(ch, "w")).isEmpty();
      }
    }
  }

  @Test
  void sameGeneration_comparesSaltsPageSizeAndMagic() throws Exception {
    WalHeader a = WalHeader.parse(ByteBuffer.wrap(header(WalHeader.MAGIC_LE, 4096, 0, 1, 2)), "w");
    assertThat(a.sameGeneration(WalHeader.parse(ByteBuffer.wrap(header(WalHeader.MAGIC_LE, 4096, 9, 1, 2)), "w"))).isTrue();
    assertThat(a.sameGeneration(WalHeader.parse(ByteBuffer.wrap(header(WalHeader.MAGIC_LE, 4096, 0, 1, 3)), "w"))).isFalse();
    assertThat(a.sameGeneration(WalHeader.parse(ByteBuffer.wrap(header(WalHeader.MAGIC_LE, 4096, 0, 0, 2)), "w"))).isFalse();
    assertThat(a.sameGeneration(WalHeader.parse(ByteBuffer.wrap(header(WalHeader.MAGIC_LE, 1024, 0, 1, 2)), "w"))).isFalse();
    assertThat(a.sameGeneration(WalHeader.parse(ByteBuffer.wrap(header(WalHeader.MAGIC_BE, 4096, 0, 1, 2)), "w"))).isFalse();
  }
}
