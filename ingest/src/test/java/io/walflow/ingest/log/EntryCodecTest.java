package io.walflow.ingest.log;

import static io.walflow.ingest.log.Entries.AT;
import static io.walflow.ingest.log.Entries.assertSameEntry;
import static io.walflow.ingest.log.Entries.pages;
import static io.walflow.ingest.log.Entries.pattern;
import static io.walflow.ingest.log.Entries.wal;
import static io.walflow.ingest.log.Entries.withCrc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walflow.ingest.CorruptEntryException;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.LogEntry.Page;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import net.jpountz.lz4.LZ4Factory;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EntryCodecTest {
  /** The position string a reader passes in; every error message must carry it. */
  private static final String WHERE = "index 0x4a00000003 offset 1234";

  private static LogEntry roundTrip(LogEntry e, boolean compress) {
    byte[] bytes = new EntryCodec(compress).encode(e);
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    assertThat(EntryCodec.entryLength(buf, 0, WHERE)).isEqualTo(bytes.length);
    assertThat(buf.getInt(EntryCodec.LENGTH_OFFSET)).isEqualTo(bytes.length);
    LogEntry back = EntryCodec.decode(buf, 0, WHERE);
    assertSameEntry(back, e);
    return back;
  }

  // ------------------------------------------------------------------ round trips

  @ParameterizedTest(name = "compress={0}")
  @ValueSource(booleans = {false, true})
  void roundTrip_commit(boolean compress) {
    roundTrip(Entries.commit("app", 42, pages(2, 3, 512), "changes".getBytes(StandardCharsets.UTF_8), 0, 1), compress);
  }

  @ParameterizedTest(name = "compress={0}")
  @ValueSource(booleans = {false, true})
  void roundTrip_snapshot(boolean compress) {
    roundTrip(Entries.snapshot("app", 0, pages(1, 9, 512), 0, 1), compress);
  }

  @ParameterizedTest(name = "compress={0}")
  @ValueSource(booleans = {false, true})
  void roundTrip_multiPartFields(boolean compress) {
    roundTrip(Entries.commit("app", 5, pages(10, 2, 512), new byte[0], 2, 5), compress);
    roundTrip(Entries.snapshot("app", 5, pages(1, 1, 512), 65534, 65535), compress);
  }

  @Test
  void roundTrip_nonAsciiDatabaseName() {
    roundTrip(Entries.commit("café-数据库-🚀", 1, pages(1, 1, 512)), true);
    String longest = "数".repeat(85); // 255 UTF-8 bytes
    assertThat(longest.getBytes(StandardCharsets.UTF_8)).hasSize(255);
    roundTrip(Entries.commit(longest, 1, pages(1, 1, 512)), false);
    roundTrip(Entries.commit("a", 1, pages(1, 1, 512)), false);
  }

  @ParameterizedTest(name = "compress={0}")
  @ValueSource(booleans = {false, true})
  void roundTrip_emptyAndNonEmptyChanges(boolean compress) {
    roundTrip(Entries.commit("app", 3, pages(1, 1, 512), new byte[0], 0, 1), compress);
    byte[] big = new Random(1).ints(100_000, 0, 256).collect(() -> new java.io.ByteArrayOutputStream(),
        (o, i) -> o.write(i), (a, b) -> a.writeBytes(b.toByteArray())).toByteArray();
    roundTrip(Entries.commit("app", 3, pages(1, 1, 512), big, 0, 1), compress);
  }

  @Test
  void roundTrip_entryWithoutPages() {
    roundTrip(Entries.commit("app", 3, List.of(), new byte[] {1, 2, 3}, 0, 1), true);
    roundTrip(Entries.snapshot("app", 0, List.of(), 0, 1), false);
  }

  @ParameterizedTest(name = "page size {0}")
  @ValueSource(ints = {512, 1024, 4096, 65536})
  void roundTrip_pageSizes(int pageSize) {
    Random rnd = new Random(pageSize);
    byte[] noise = new byte[pageSize];
    rnd.nextBytes(noise);
    List<Page> pages = List.of(new Page(1, pattern(pageSize, 1)), new Page(2, new byte[pageSize]), new Page(70_000, noise));
    for (boolean compress : new boolean[] {false, true}) {
      roundTrip(new LogEntry.Commit("db", Long.MAX_VALUE, AT, pageSize, Integer.MAX_VALUE, 3, wal(Long.MAX_VALUE),
          pages, new byte[] {9}, 0, 1), compress);
    }
  }

  @Test
  void roundTrip_walPositionAndCountsKeepAllBits() {
    LogEntry e = new LogEntry.Commit("app", -1L, AT, 4096, -2, -3,
        new io.walflow.ingest.wal.WalPosition(-1, Integer.MIN_VALUE, -7, -8L, Long.MIN_VALUE), List.of(), new byte[0], 0, 1);
    roundTrip(e, false);
  }

  @Test
  void encode_compressesAPageOnlyWhenThatMakesItSmaller() {
    int nameEnd = EntryCodec.NAME_OFFSET + 3;
    byte[] zeros = new EntryCodec(true).encode(onePage4096(new byte[4096]));
    ByteBuffer z = ByteBuffer.wrap(zeros);
    assertThat(z.get(nameEnd + 4)).as("encoding").isEqualTo(EntryCodec.ENCODING_LZ4);
    assertThat(z.getInt(nameEnd + 5)).as("stored length").isLessThan(100);
    assertThat(zeros.length).isLessThan(200);

    byte[] noise = new byte[4096];
    new Random(7).nextBytes(noise);
    byte[] raw = new EntryCodec(true).encode(onePage4096(noise));
    ByteBuffer r = ByteBuffer.wrap(raw);
    assertThat(r.get(nameEnd + 4)).as("encoding").isEqualTo(EntryCodec.ENCODING_RAW);
    assertThat(r.getInt(nameEnd + 5)).as("stored length").isEqualTo(4096);

    byte[] off = new EntryCodec(false).encode(onePage4096(new byte[4096]));
    assertThat(ByteBuffer.wrap(off).get(nameEnd + 4)).isEqualTo(EntryCodec.ENCODING_RAW);
  }

  /**
   * A codec reuses its working buffer: entries encoded one after another by one codec (small,
   * large, past the kept size, compressible and not, with leftovers of a larger entry in the
   * buffer) are byte for byte what a fresh codec writes for each.
   */
  @Test
  void encode_reusedCodecWritesWhatAFreshOneWrites() {
    long seed = System.nanoTime();
    System.out.println("EntryCodecTest seed=" + seed);
    Random rnd = new Random(seed);
    for (boolean compress : new boolean[] {true, false}) {
      EntryCodec reused = new EntryCodec(compress);
      for (int pageCount : new int[] {40, 1, 300, 2, 0, 5}) {
        List<Page> pages = new java.util.ArrayList<>();
        for (int p = 1; p <= pageCount; p++) {
          byte[] data = new byte[4096];
          if (rnd.nextBoolean()) {
            rnd.nextBytes(data);
          } else {
            data[rnd.nextInt(4096)] = (byte) p;
          }
          pages.add(new Page(p, data));
        }
        byte[] changes = new byte[rnd.nextInt(3000)];
        rnd.nextBytes(changes);
        LogEntry e = new LogEntry.Commit("app", pageCount, AT, 4096, 300, pageCount, wal(32), pages, changes, 0, 1);
        assertThat(reused.encode(e)).as("seed %d, %d pages, compress %s", seed, pageCount, compress)
            .isEqualTo(new EntryCodec(compress).encode(e));
        assertSameEntry(EntryCodec.decode(ByteBuffer.wrap(reused.encode(e)), 0, WHERE), e);
      }
    }
  }

  private static LogEntry onePage4096(byte[] data) {
    return new LogEntry.Commit("app", 1, AT, 4096, 1, 1, wal(32), List.of(new Page(1, data)), new byte[0], 0, 1);
  }

  @Test
  void committedAt_isStoredInMicroseconds() {
    Instant withNanos = Instant.parse("2026-05-06T07:08:09.123456789Z");
    LogEntry e = new LogEntry.Snapshot("app", 0, withNanos, 512, 1, wal(32), List.of(), new byte[0], 0, 1);
    LogEntry back = EntryCodec.decode(ByteBuffer.wrap(Entries.encode(e)), 0, WHERE);
    assertThat(back.committedAt()).isEqualTo(Instant.parse("2026-05-06T07:08:09.123456Z"));
    assertThat(ByteBuffer.wrap(Entries.encode(e)).getLong(EntryCodec.COMMITTED_AT_OFFSET))
        .isEqualTo(withNanos.getEpochSecond() * 1_000_000L + 123_456L);

    Instant beforeEpoch = Instant.parse("1969-12-31T23:59:59.999999Z");
    LogEntry old = new LogEntry.Snapshot("app", 0, beforeEpoch, 512, 1, wal(32), List.of(), new byte[0], 0, 1);
    assertThat(EntryCodec.decode(ByteBuffer.wrap(Entries.encode(old)), 0, WHERE).committedAt()).isEqualTo(beforeEpoch);
  }

  @Test
  void decode_entriesBackToBackInOneDocument() {
    byte[] a = new EntryCodec(true).encode(Entries.commit("a", 1, pages(1, 2, 512)));
    byte[] b = new EntryCodec(false).encode(Entries.snapshot("b", 0, pages(1, 3, 512), 0, 2));
    ByteBuffer doc = ByteBuffer.allocate(a.length + b.length).put(a).put(b).flip();

    assertThat(EntryCodec.entryLength(doc, 0, WHERE)).isEqualTo(a.length);
    assertThat(EntryCodec.entryLength(doc, a.length, WHERE)).isEqualTo(b.length);
    assertSameEntry(EntryCodec.decode(doc, 0, WHERE), Entries.commit("a", 1, pages(1, 2, 512)));
    assertSameEntry(EntryCodec.decode(doc, a.length, WHERE), Entries.snapshot("b", 0, pages(1, 3, 512), 0, 2));
  }

  @Test
  void encode_rejectsWhatCannotBeWritten() {
    assertThatThrownBy(() -> Entries.encode(Entries.commit("", 1, List.of())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1..255");
    assertThatThrownBy(() -> Entries.encode(Entries.commit("x".repeat(256), 1, List.of())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1..255");
    assertThatThrownBy(() -> Entries.encode(Entries.commit("app", 1, List.of(new Page(4, new byte[511])))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("page 4 has 511 bytes, expected 512");
  }

  /**
   * Part numbers are u16 on disk. A writer bug passing larger ones must fail at encode time, not
   * be truncated into a valid-looking entry with other part numbers (70000 of 70001 would read back
   * as 4464 of 4465). Likewise an entry every reader would reject is never written.
   */
  @Test
  void encode_rejectsFieldsTheFormatCannotHold() {
    List<Page> none = List.of();
    assertThatThrownBy(() -> Entries.encode(Entries.commit("app", 1, none, new byte[0], 70_000, 70_001)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("part 70000 of 70001");
    assertThatThrownBy(() -> Entries.encode(Entries.commit("app", 1, none, new byte[0], 0, 0)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("part 0 of 0");
    assertThatThrownBy(() -> Entries.encode(Entries.commit("app", 1, none, new byte[0], 3, 3)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("part 3 of 3");
    assertThatThrownBy(() -> Entries.encode(Entries.commit("app", 1, none, new byte[0], -1, 3)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("part -1 of 3");
    for (int pageSize : new int[] {256, 1000, 131072}) {
      LogEntry e = new LogEntry.Commit("app", 1, AT, pageSize, 1, 1, wal(32), List.of(new Page(1, new byte[pageSize])),
          new byte[0], 0, 1);
      assertThatThrownBy(() -> Entries.encode(e))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("page size " + pageSize);
    }
    roundTrip(Entries.commit("app", 1, none, new byte[0], 65534, 65535), false);
  }

  // ------------------------------------------------------------------ golden bytes

  /**
   * The worked example of docs/log-format.md: a commit of database "app", LSN 7, one 512-byte
   * page (page 3, bytes 00 01 … ff twice), no changes, compression off.
   */
  static LogEntry.Commit golden() {
    byte[] page = new byte[512];
    for (int i = 0; i < page.length; i++) {
      page[i] = (byte) i;
    }
    return new LogEntry.Commit("app", 7, Instant.parse("2026-01-02T03:04:05.678901Z"), 512, 3, 2,
        new io.walflow.ingest.wal.WalPosition(0x1a2b3c4d, 0x5e6f7081, 1, 32 + 2 * (24 + 512), 0x1122334455667788L),
        List.of(new Page(3, page)), new byte[0], 0, 1);
  }

  /** Pinned: change only together with the format version (and docs/log-format.md). */
  static final String GOLDEN_HEX = """
      0000: 57 46 4c 31 01 02 00 00 00 00 02 62 00 00 00 00
      0010: 00 00 00 07 00 06 47 5e f6 57 4f 35 00 00 02 00
      0020: 00 00 00 03 00 00 00 02 00 00 00 01 1a 2b 3c 4d
      0030: 5e 6f 70 81 00 00 00 01 00 00 00 00 00 00 04 50
      0040: 11 22 33 44 55 66 77 88 00 00 00 01 00 03 61 70
      0050: 70 00 00 00 03 00 00 00 02 00 00 01 02 03 04 05
      0060: 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15
      0070: 16 17 18 19 1a 1b 1c 1d 1e 1f 20 21 22 23 24 25
      0080: 26 27 28 29 2a 2b 2c 2d 2e 2f 30 31 32 33 34 35
      0090: 36 37 38 39 3a 3b 3c 3d 3e 3f 40 41 42 43 44 45
      00a0: 46 47 48 49 4a 4b 4c 4d 4e 4f 50 51 52 53 54 55
      00b0: 56 57 58 59 5a 5b 5c 5d 5e 5f 60 61 62 63 64 65
      00c0: 66 67 68 69 6a 6b 6c 6d 6e 6f 70 71 72 73 74 75
      00d0: 76 77 78 79 7a 7b 7c 7d 7e 7f 80 81 82 83 84 85
      00e0: 86 87 88 89 8a 8b 8c 8d 8e 8f 90 91 92 93 94 95
      00f0: 96 97 98 99 9a 9b 9c 9d 9e 9f a0 a1 a2 a3 a4 a5
      0100: a6 a7 a8 a9 aa ab ac ad ae af b0 b1 b2 b3 b4 b5
      0110: b6 b7 b8 b9 ba bb bc bd be bf c0 c1 c2 c3 c4 c5
      0120: c6 c7 c8 c9 ca cb cc cd ce cf d0 d1 d2 d3 d4 d5
      0130: d6 d7 d8 d9 da db dc dd de df e0 e1 e2 e3 e4 e5
      0140: e6 e7 e8 e9 ea eb ec ed ee ef f0 f1 f2 f3 f4 f5
      0150: f6 f7 f8 f9 fa fb fc fd fe ff 00 01 02 03 04 05
      0160: 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15
      0170: 16 17 18 19 1a 1b 1c 1d 1e 1f 20 21 22 23 24 25
      0180: 26 27 28 29 2a 2b 2c 2d 2e 2f 30 31 32 33 34 35
      0190: 36 37 38 39 3a 3b 3c 3d 3e 3f 40 41 42 43 44 45
      01a0: 46 47 48 49 4a 4b 4c 4d 4e 4f 50 51 52 53 54 55
      01b0: 56 57 58 59 5a 5b 5c 5d 5e 5f 60 61 62 63 64 65
      01c0: 66 67 68 69 6a 6b 6c 6d 6e 6f 70 71 72 73 74 75
      01d0: 76 77 78 79 7a 7b 7c 7d 7e 7f 80 81 82 83 84 85
      01e0: 86 87 88 89 8a 8b 8c 8d 8e 8f 90 91 92 93 94 95
      01f0: 96 97 98 99 9a 9b 9c 9d 9e 9f a0 a1 a2 a3 a4 a5
      0200: a6 a7 a8 a9 aa ab ac ad ae af b0 b1 b2 b3 b4 b5
      0210: b6 b7 b8 b9 ba bb bc bd be bf c0 c1 c2 c3 c4 c5
      0220: c6 c7 c8 c9 ca cb cc cd ce cf d0 d1 d2 d3 d4 d5
      0230: d6 d7 d8 d9 da db dc dd de df e0 e1 e2 e3 e4 e5
      0240: e6 e7 e8 e9 ea eb ec ed ee ef f0 f1 f2 f3 f4 f5
      0250: f6 f7 f8 f9 fa fb fc fd fe ff 00 00 00 00 bf 78
      0260: a4 e3
      """;

  @Test
  void golden_encodesToThePinnedBytes() {
    byte[] bytes = Entries.encode(golden());
    assertThat(hexDump(bytes)).isEqualTo(GOLDEN_HEX.strip());
  }

  @Test
  void golden_decodesBackToTheEntry() {
    assertSameEntry(EntryCodec.decode(ByteBuffer.wrap(parseHex(GOLDEN_HEX)), 0, WHERE), golden());
  }

  /** The worked example in docs/log-format.md shows the same bytes as the test pins. */
  @Test
  void golden_docsShowThePinnedBytes() throws Exception {
    // Maven runs tests in the module folder; an IDE may run them from the repository root.
    java.nio.file.Path doc = java.nio.file.Files.exists(java.nio.file.Path.of("docs", "log-format.md"))
        ? java.nio.file.Path.of("docs", "log-format.md") : java.nio.file.Path.of("..", "docs", "log-format.md");
    String text = java.nio.file.Files.readString(doc);
    int begin = text.indexOf("<!-- golden:begin -->");
    int end = text.indexOf("<!-- golden:end -->");
    assertThat(begin).as("golden:begin marker in %s", doc).isNotNegative();
    assertThat(end).as("golden:end marker in %s", doc).isGreaterThan(begin);
    java.util.regex.Matcher block = java.util.regex.Pattern.compile("(?s)```\\w*\\n(.*?)```").matcher(text.substring(begin, end));
    assertThat(block.find()).as("a code block between the markers").isTrue();
    assertThat(block.group(1).strip()).isEqualTo(GOLDEN_HEX.strip());
  }

  static String hexDump(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < bytes.length; i += 16) {
      sb.append(String.format("%04x:", i));
      for (int j = i; j < Math.min(bytes.length, i + 16); j++) {
        sb.append(String.format(" %02x", bytes[j]));
      }
      sb.append('\n');
    }
    return sb.toString().strip();
  }

  static byte[] parseHex(String dump) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (String line : dump.strip().split("\n")) {
      String[] parts = line.strip().split("\\s+");
      for (int i = 1; i < parts.length; i++) {
        out.write(Integer.parseInt(parts[i], 16));
      }
    }
    return out.toByteArray();
  }

  // ------------------------------------------------------------------ corruption

  private static void assertCorrupt(ThrowingCallable decode, String... messageParts) {
    assertThatThrownBy(decode)
        .isInstanceOf(CorruptEntryException.class)
        .hasMessageContaining(WHERE)
        .satisfies(e -> assertThat(((CorruptEntryException) e).position()).isEqualTo(WHERE))
        .hasMessageContainingAll(messageParts);
  }

  private static void assertCorrupt(byte[] entry, String... messageParts) {
    assertCorrupt(() -> EntryCodec.decode(ByteBuffer.wrap(entry), 0, WHERE), messageParts);
  }

  private static List<byte[]> smallEntries() {
    return List.of(
        Entries.encode(golden()),
        new EntryCodec(true).encode(Entries.commit("db", 9, pages(1, 2, 512), new byte[] {1, 2, 3}, 1, 3)),
        new EntryCodec(true).encode(Entries.snapshot("ü", 0, List.of(new Page(1, new byte[512])), 0, 1)));
  }

  /** CRC-32C catches every error burst up to 32 bits: no single-byte change gets through. */
  @Test
  void decode_everySingleByteChange_isACorruptEntry() {
    int checked = 0;
    for (byte[] entry : smallEntries()) {
      for (int i = 0; i < entry.length; i++) {
        for (int mask : new int[] {0x01, 0x80, 0xff, 0x5a}) {
          byte[] bad = entry.clone();
          bad[i] ^= (byte) mask;
          int at = i;
          assertThatThrownBy(() -> EntryCodec.decode(ByteBuffer.wrap(bad), 0, WHERE))
              .as("byte %d ^ 0x%02x", at, mask)
              .isInstanceOf(CorruptEntryException.class)
              .hasMessageContaining(WHERE);
          checked++;
        }
      }
    }
    assertThat(checked).isGreaterThan(4000);
  }

  @Test
  void decode_everyTruncation_isACorruptEntry() {
    for (byte[] entry : smallEntries()) {
      for (int n = 0; n < entry.length; n++) {
        ByteBuffer cut = ByteBuffer.wrap(entry, 0, n).slice();
        int len = n;
        assertThatThrownBy(() -> EntryCodec.decode(cut, 0, WHERE)).as("first %d bytes", len)
            .isInstanceOf(CorruptEntryException.class).hasMessageContaining(WHERE);
        assertThatThrownBy(() -> EntryCodec.entryLength(cut, 0, WHERE)).as("first %d bytes", len)
            .isInstanceOf(CorruptEntryException.class).hasMessageContaining(WHERE);
      }
    }
  }

  @Test
  void decode_lengthFieldPointingOutsideTheDocument() {
    byte[] entry = Entries.encode(golden());
    for (int length : new int[] {entry.length + 1, Integer.MAX_VALUE, -1, Integer.MIN_VALUE, 0, 81}) {
      byte[] bad = entry.clone();
      ByteBuffer.wrap(bad).putInt(EntryCodec.LENGTH_OFFSET, length);
      assertCorrupt(bad, "entry length " + length);
      assertCorrupt(() -> EntryCodec.entryLength(ByteBuffer.wrap(bad), 0, WHERE), "entry length " + length);
    }
    // Inside the document but not this entry's length: the CRC is read from the wrong place.
    byte[] doc = Arrays.copyOf(entry, entry.length + 64);
    ByteBuffer.wrap(doc).putInt(EntryCodec.LENGTH_OFFSET, entry.length + 64);
    assertCorrupt(doc, "CRC-32C");
    byte[] shorter = entry.clone();
    ByteBuffer.wrap(shorter).putInt(EntryCodec.LENGTH_OFFSET, entry.length - 8);
    assertCorrupt(shorter, "CRC-32C");
  }

  @Test
  void decode_badMagic_namesItAndWhatWasExpected() {
    byte[] bad = Entries.encode(golden());
    bad[0] = 'X';
    assertCorrupt(bad, "magic 0x58464c31", "expected 0x57464c31");
  }

  @Test
  void decode_crcMismatch_namesStoredAndComputed() {
    byte[] bad = Entries.encode(golden());
    int crc = ByteBuffer.wrap(bad).getInt(bad.length - 4);
    bad[100] ^= 1;
    assertCorrupt(bad, String.format("CRC-32C stored %08x", crc), "computed", "over " + (bad.length - 4) + " bytes");
  }

  @Test
  void decode_unknownVersionTypeOrFlags_evenWithAValidCrc() {
    assertCorrupt(modified(b -> b.put(EntryCodec.VERSION_OFFSET, (byte) 2)), "format version 2", "knows 1");
    assertCorrupt(modified(b -> b.put(EntryCodec.VERSION_OFFSET, (byte) 0)), "format version 0");
    assertCorrupt(modified(b -> b.put(EntryCodec.TYPE_OFFSET, (byte) 4)), "entry type 4", "3 (digest)");
    assertCorrupt(modified(b -> b.put(EntryCodec.TYPE_OFFSET, (byte) 3)), "digest entry with 1 pages");
    assertCorrupt(modified(b -> b.put(EntryCodec.TYPE_OFFSET, (byte) 0)), "entry type 0");
    assertCorrupt(modified(b -> b.putShort(EntryCodec.FLAGS_OFFSET, (short) 1)), "unknown flags 0x1");
    assertCorrupt(modified(b -> b.putShort(EntryCodec.FLAGS_OFFSET, (short) 0x8000)), "unknown flags 0x8000");
  }

  @Test
  void decode_fieldsOutOfRange_evenWithAValidCrc() {
    int name = EntryCodec.NAME_OFFSET;
    int record = name + 3; // "app"
    assertCorrupt(modified(b -> b.putInt(EntryCodec.PAGE_SIZE_OFFSET, 1000)), "page size 1000");
    assertCorrupt(modified(b -> b.putInt(EntryCodec.PAGE_SIZE_OFFSET, 256)), "page size 256");
    assertCorrupt(modified(b -> b.putInt(EntryCodec.PAGE_SIZE_OFFSET, 131072)), "page size 131072");
    assertCorrupt(modified(b -> b.putShort(EntryCodec.PART_COUNT_OFFSET, (short) 0)), "part 0 of 0");
    assertCorrupt(modified(b -> b.putShort(EntryCodec.PART_INDEX_OFFSET, (short) 1)), "part 1 of 1");
    assertCorrupt(modified(b -> b.putShort(EntryCodec.NAME_LENGTH_OFFSET, (short) 0)), "database name length 0");
    assertCorrupt(modified(b -> b.putShort(EntryCodec.NAME_LENGTH_OFFSET, (short) 256)), "database name length 256");
    assertCorrupt(modified(b -> b.putShort(EntryCodec.NAME_LENGTH_OFFSET, (short) 0xffff)), "database name length 65535");
    assertCorrupt(modified(b -> b.putInt(EntryCodec.PAGE_COUNT_OFFSET, 2)), "page record 1");
    assertCorrupt(modified(b -> b.putInt(EntryCodec.PAGE_COUNT_OFFSET, 1000)), "page record count 1000");
    assertCorrupt(modified(b -> b.putInt(EntryCodec.PAGE_COUNT_OFFSET, -1)), "page record count -1");
    assertCorrupt(modified(b -> b.putInt(EntryCodec.PAGE_COUNT_OFFSET, 0)), "changes length");
    assertCorrupt(modified(b -> b.put(record + 4, (byte) 2)), "encoding 2", "expected 0 (raw) or 1 (LZ4)");
    assertCorrupt(modified(b -> b.putInt(record + 5, 511)), "raw page 3 has 511 bytes, expected 512");
    assertCorrupt(modified(b -> b.putInt(record + 5, -1)), "stored length -1");
    assertCorrupt(modified(b -> b.putInt(record + 5, 100_000)), "stored length 100000");
    assertCorrupt(modified(b -> b.putInt(record + 9 + 512, 1)), "changes length 1");
    assertCorrupt(modified(b -> b.putInt(record + 9 + 512, -4)), "changes length -4");
  }

  @Test
  void decode_lz4BlockOfTheWrongSize() {
    var lz4 = LZ4Factory.fastestInstance().fastCompressor();
    byte[] shortPage = lz4.compress(pattern(256, 1));
    assertCorrupt(withPageRecord(EntryCodec.ENCODING_LZ4, shortPage), "page 3 decompressed to 256 bytes, expected 512");
    byte[] longPage = lz4.compress(new byte[1024]);
    assertCorrupt(withPageRecord(EntryCodec.ENCODING_LZ4, longPage), "page 3", "LZ4 block invalid");
    byte[] garbage = new byte[40];
    Arrays.fill(garbage, (byte) 0xff);
    assertCorrupt(withPageRecord(EntryCodec.ENCODING_LZ4, garbage), "page 3");
    assertCorrupt(withPageRecord(EntryCodec.ENCODING_LZ4, new byte[0]), "page 3");
    // And the right size decodes.
    byte[] page = pattern(512, 4);
    assertThat(EntryCodec.decode(ByteBuffer.wrap(withPageRecord(EntryCodec.ENCODING_LZ4, lz4.compress(page))), 0, WHERE)
        .pages().get(0).data()).isEqualTo(page);
  }

  /**
   * Bytes that pass the CRC but make no sense (a bug in a writer, or a deliberate forgery) still
   * produce a CorruptEntryException or a decoded entry, never any other exception.
   */
  @Test
  void decode_anyChangedByteWithAValidCrc_neverThrowsAnythingElse() {
    long seed = Long.getLong("walflow.log.codec.seed", System.nanoTime()); // printed; rerun with -Dwalflow.log.codec.seed=N
    System.out.println("EntryCodecTest seed=" + seed);
    Random rnd = new Random(seed);
    for (byte[] entry : smallEntries()) {
      for (int i = 0; i < entry.length - 4; i++) {
        for (int k = 0; k < 3; k++) {
          byte[] bad = entry.clone();
          bad[i] = (byte) (k == 0 ? 0xff : k == 1 ? 0x80 : rnd.nextInt(256));
          withCrc(bad);
          try {
            EntryCodec.decode(ByteBuffer.wrap(bad), 0, WHERE);
          } catch (CorruptEntryException expected) {
            assertThat(expected.getMessage()).contains(WHERE);
          } catch (RuntimeException e) {
            throw new AssertionError("seed " + seed + ": byte " + i + " = 0x" + Integer.toHexString(bad[i] & 0xff)
                + " threw " + e, e);
          }
        }
      }
    }
  }

  /** The golden entry with bytes changed by {@code edit} and its CRC recomputed. */
  private static byte[] modified(Consumer<ByteBuffer> edit) {
    byte[] bytes = Entries.encode(golden());
    edit.accept(ByteBuffer.wrap(bytes));
    return withCrc(bytes);
  }

  /** The golden entry with its one page record's encoding and stored bytes replaced. */
  private static byte[] withPageRecord(byte encoding, byte[] stored) {
    byte[] g = Entries.encode(golden());
    int record = EntryCodec.NAME_OFFSET + 3;
    ByteBuffer b = ByteBuffer.allocate(record + 9 + stored.length + 4 + 4);
    b.put(g, 0, record).putInt(3).put(encoding).putInt(stored.length).put(stored).putInt(0).putInt(0);
    byte[] out = b.array();
    ByteBuffer.wrap(out).putInt(EntryCodec.LENGTH_OFFSET, out.length);
    return withCrc(out);
  }
}
