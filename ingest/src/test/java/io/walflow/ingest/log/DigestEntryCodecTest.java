package io.walflow.ingest.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walflow.ingest.CorruptEntryException;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.digest.DatabaseDigest;
import io.walflow.ingest.digest.DigestEntry;
import io.walflow.ingest.digest.DigestFormatException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Digest entries (type 3): the worked example of docs/log-format.md section 11, pinned byte for byte, and bad bodies. */
class DigestEntryCodecTest {
  private static final String WHERE = "index 0x4a00000003 offset 1234";

  /** Database "app", LSN 7, table t(id, v) with 3 rows in 4 buckets. */
  static LogEntry.Digest golden() {
    TreeMap<String, List<String>> schema = new TreeMap<>();
    schema.put("t", List.of("id", "v"));
    DigestEntry body = new DigestEntry("app", DatabaseDigest.fingerprintOf(schema), 4, 1, 0, "t", true, 3,
        new long[] {0x0123456789abcdefL, 0, 0x1111111111111111L, -2});
    return new LogEntry.Digest("app", 7, Instant.parse("2026-01-02T03:04:05.678901Z"), 512, 3,
        new io.walflow.ingest.wal.WalPosition(0x1a2b3c4d, 0x5e6f7081, 1, 32 + 2 * (24 + 512), 0x1122334455667788L),
        body.encode());
  }

  /** Pinned: change only together with the format (and docs/log-format.md section 11). */
  static final String GOLDEN_HEX = """
      0000: 57 46 4c 31 01 03 00 00 00 00 00 9f 00 00 00 00
      0010: 00 00 00 07 00 06 47 5e f6 57 4f 35 00 00 02 00
      0020: 00 00 00 03 00 00 00 00 00 00 00 01 1a 2b 3c 4d
      0030: 5e 6f 70 81 00 00 00 01 00 00 00 00 00 00 04 50
      0040: 11 22 33 44 55 66 77 88 00 00 00 00 00 03 61 70
      0050: 70 00 00 00 46 01 00 03 61 70 70 60 dd d0 ca d4
      0060: fc b4 c3 00 00 00 04 00 00 00 01 00 00 00 00 00
      0070: 01 74 01 00 00 00 00 00 00 00 03 01 23 45 67 89
      0080: ab cd ef 00 00 00 00 00 00 00 00 11 11 11 11 11
      0090: 11 11 11 ff ff ff ff ff ff ff fe d6 76 b1 41
      """;

  @Test
  void golden_encodesToThePinnedBytes() {
    assertThat(EntryCodecTest.hexDump(new EntryCodec(true).encode(golden()))).isEqualTo(GOLDEN_HEX.strip());
  }

  @Test
  void golden_decodesBackToTheEntryAndItsBody() {
    LogEntry e = EntryCodec.decode(ByteBuffer.wrap(EntryCodecTest.parseHex(GOLDEN_HEX)), 0, WHERE);
    assertThat(e).isInstanceOf(LogEntry.Digest.class);
    assertThat(e.lsn()).isEqualTo(7);
    assertThat(e.walPosition()).isEqualTo(golden().walPosition());
    DigestEntry body = DigestEntry.decode(((LogEntry.Digest) e).body(), WHERE);
    assertThat(body.table()).isEqualTo("t");
    assertThat(body.sums()).containsExactly(0x0123456789abcdefL, 0, 0x1111111111111111L, -2);
    assertThat(EntryCodec.header(ByteBuffer.wrap(EntryCodecTest.parseHex(GOLDEN_HEX)), 0, WHERE).digest()).isTrue();
  }

  @Test
  void golden_docsShowThePinnedBytes() throws Exception {
    java.nio.file.Path doc = java.nio.file.Files.exists(java.nio.file.Path.of("docs", "log-format.md"))
        ? java.nio.file.Path.of("docs", "log-format.md") : java.nio.file.Path.of("..", "docs", "log-format.md");
    String text = java.nio.file.Files.readString(doc);
    int begin = text.indexOf("<!-- golden-digest:begin -->");
    int end = text.indexOf("<!-- golden-digest:end -->");
    assertThat(begin).as("golden-digest:begin marker in %s", doc).isNotNegative();
    assertThat(end).isGreaterThan(begin);
    java.util.regex.Matcher block = java.util.regex.Pattern.compile("(?s)```\\w*\\n(.*?)```").matcher(text.substring(begin, end));
    assertThat(block.find()).isTrue();
    assertThat(block.group(1).strip()).isEqualTo(GOLDEN_HEX.strip());
  }

  @Test
  void digestWithPages_isCorrupt() {
    byte[] b = new EntryCodec(false).encode(EntryCodecTest.golden());
    b[EntryCodec.TYPE_OFFSET] = EntryCodec.TYPE_DIGEST;
    fixCrc(b);
    assertThatThrownBy(() -> EntryCodec.decode(ByteBuffer.wrap(b), 0, WHERE)).isInstanceOf(CorruptEntryException.class)
        .hasMessageContaining("digest entry with 1 pages");
  }

  @Test
  void badBodies_areNamedErrors() {
    byte[] body = ((LogEntry.Digest) golden()).body();
    for (int n = 0; n < body.length; n++) {
      byte[] cut = java.util.Arrays.copyOf(body, n);
      assertThatThrownBy(() -> DigestEntry.decode(cut, WHERE)).as("first %d bytes", n)
          .isInstanceOf(DigestFormatException.class).hasMessageContaining(WHERE);
    }
    byte[] version = body.clone();
    version[0] = 2;
    assertThatThrownBy(() -> DigestEntry.decode(version, WHERE)).hasMessageContaining("digest body version 2");
    byte[] longer = java.util.Arrays.copyOf(body, body.length + 8);
    assertThatThrownBy(() -> DigestEntry.decode(longer, WHERE)).hasMessageContaining("bytes of bucket sums");
  }

  private static void fixCrc(byte[] b) {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(b, 0, b.length - 4);
    ByteBuffer.wrap(b).putInt(b.length - 4, (int) crc.getValue());
  }
}
