package io.walflow.ingest.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walflow.ingest.CorruptEntryException;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.LogEntry.Page;
import io.walflow.ingest.log.EntryCodec;
import io.walflow.ingest.wal.WalPosition;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** The Kafka record format without a broker: fragments, parts, and every way a record can be wrong. */
class KafkaEntryDecoderTest {
  private static final String TOPIC = "walflow.log";
  private static final Instant AT = Instant.parse("2026-01-02T03:04:05.678901Z");
  private long nextOffset;

  @Test
  void smallEntry_isOneRecord_withLsnHeader_andNoFragmentHeader() {
    byte[] entry = encode(commit("app", 7, 2, 0, 1));
    List<ProducerRecord<byte[], byte[]>> rs = KafkaRecords.records(TOPIC, "app", 7, entry, 1024 * 1024);
    assertThat(rs).hasSize(1);
    assertThat(rs.get(0).key()).isEqualTo("app".getBytes());
    assertThat(rs.get(0).value()).isEqualTo(entry);
    assertThat(rs.get(0).headers().lastHeader(KafkaRecords.LSN_HEADER).value())
        .isEqualTo(new byte[] {0, 0, 0, 0, 0, 0, 0, 7});
    assertThat(rs.get(0).headers().lastHeader(KafkaRecords.FRAGMENT_HEADER)).isNull();
    KafkaEntryDecoder d = new KafkaEntryDecoder();
    Optional<KafkaEntry> e = d.accept(consumed(rs.get(0), 0));
    assertThat(e).isPresent();
    assertThat(e.get().entry().lsn()).isEqualTo(7);
    assertThat(e.get().firstOffset()).isEqualTo(e.get().lastOffset());
    assertThat(EntryCodec.header(ByteBuffer.wrap(entry), 0, "x").db()).isEqualTo("app");
  }

  @Test
  void largeEntry_isFragmented_andReassembled_interleavedWithAnotherDatabase() {
    LogEntry.Commit big = commit("app", 3, 12, 0, 1);
    byte[] entry = encode(big);
    List<ProducerRecord<byte[], byte[]>> frags = KafkaRecords.records(TOPIC, "app", 3, entry, 1000);
    assertThat(frags).hasSize((entry.length + 999) / 1000);
    ByteBuffer h = ByteBuffer.wrap(frags.get(1).headers().lastHeader(KafkaRecords.FRAGMENT_HEADER).value());
    assertThat(h.getInt()).isEqualTo(1);
    assertThat(h.getInt()).isEqualTo(frags.size());
    KafkaEntryDecoder d = new KafkaEntryDecoder();
    List<KafkaEntry> out = new ArrayList<>();
    long firstOffset = nextOffset;
    for (int i = 0; i < frags.size(); i++) {
      d.accept(consumed(frags.get(i), 0)).ifPresent(out::add);
      if (i == 1) {
        // another database on the same partition between two fragments
        d.accept(consumed(KafkaRecords.records(TOPIC, "other", 1, encode(commit("other", 1, 1, 0, 1)), 1000).get(0), 0))
            .ifPresent(out::add);
        assertThat(d.committableOffset(new TopicPartition(TOPIC, 0))).hasValue(firstOffset);
      }
    }
    assertThat(out).hasSize(2);
    assertThat(out.get(0).entry().db()).isEqualTo("other");
    KafkaEntry app = out.get(1);
    assertThat(app.firstOffset()).isEqualTo(firstOffset);
    assertSameContent(app.entry(), big);
    assertThat(d.committableOffset(new TopicPartition(TOPIC, 0))).hasValue(nextOffset);
  }

  @Test
  void multiPartCommit_fragmentedParts_reassembledIntoOneCommit() {
    KafkaEntryDecoder d = new KafkaEntryDecoder();
    List<KafkaEntry> out = new ArrayList<>();
    List<LogEntry.Commit> parts = List.of(commit("app", 5, 3, 0, 3), commit("app", 5, 3, 1, 3), commit("app", 5, 2, 2, 3));
    for (LogEntry.Commit part : parts) {
      for (var r : KafkaRecords.records(TOPIC, "app", 5, encode(part), 700)) {
        d.accept(consumed(r, 2)).ifPresent(out::add);
      }
    }
    assertThat(out).hasSize(1);
    LogEntry.Commit c = (LogEntry.Commit) out.get(0).entry();
    assertThat(c.partCount()).isEqualTo(1);
    assertThat(c.pages()).hasSize(8);
    assertThat(c.changes()).containsExactly(5, 0, 5, 1, 5, 2);
    assertThat(out.get(0).partition()).isEqualTo(2);
  }

  @Test
  void newFragmentZero_restartsTheSequence_andAPlainRecordDropsAnIncompleteOne() {
    byte[] entry = encode(commit("app", 9, 6, 0, 1));
    List<ProducerRecord<byte[], byte[]>> frags = KafkaRecords.records(TOPIC, "app", 9, entry, 1000);
    KafkaEntryDecoder d = new KafkaEntryDecoder();
    // a crash after two fragments: capture republished from an earlier entry, then the whole entry
    assertThat(d.accept(consumed(frags.get(0), 0))).isEmpty();
    assertThat(d.accept(consumed(frags.get(1), 0))).isEmpty();
    assertThat(d.accept(consumed(KafkaRecords.records(TOPIC, "app", 8, encode(commit("app", 8, 1, 0, 1)), 1000).get(0), 0)))
        .hasValueSatisfying(e -> assertThat(e.entry().lsn()).isEqualTo(8));
    assertThat(d.accept(consumed(frags.get(0), 0))).isEmpty();
    assertThat(d.accept(consumed(frags.get(0), 0))).isEmpty(); // index 0 again: restart
    List<KafkaEntry> out = new ArrayList<>();
    for (int i = 1; i < frags.size(); i++) {
      d.accept(consumed(frags.get(i), 0)).ifPresent(out::add);
    }
    assertThat(out).singleElement().satisfies(e -> assertThat(e.entry().lsn()).isEqualTo(9));
  }

  @Test
  void consumerStartingInsideAFragmentSequence_skipsItsTail() {
    byte[] entry = encode(commit("app", 9, 6, 0, 1));
    List<ProducerRecord<byte[], byte[]>> frags = KafkaRecords.records(TOPIC, "app", 9, entry, 1000);
    KafkaEntryDecoder d = new KafkaEntryDecoder();
    for (int i = 2; i < frags.size(); i++) {
      assertThat(d.accept(consumed(frags.get(i), 0))).isEmpty();
    }
    assertThat(d.accept(consumed(KafkaRecords.records(TOPIC, "app", 10, encode(commit("app", 10, 1, 0, 1)), 1000).get(0), 0)))
        .isPresent();
  }

  @Test
  void missingFragment_isCorrupt_namingTopicPartitionOffset() {
    byte[] entry = encode(commit("app", 9, 6, 0, 1));
    List<ProducerRecord<byte[], byte[]>> frags = KafkaRecords.records(TOPIC, "app", 9, entry, 1000);
    KafkaEntryDecoder d = new KafkaEntryDecoder();
    d.accept(consumed(frags.get(0), 4));
    long offset = nextOffset;
    assertThatThrownBy(() -> d.accept(consumed(frags.get(2), 4)))
        .isInstanceOf(CorruptEntryException.class)
        .hasMessageContaining("topic walflow.log partition 4 offset " + offset)
        .hasMessageContaining("fragment 2 of " + frags.size())
        .hasMessageContaining("follows fragment 0");
    // the broken sequence is dropped; a later fragment without a start is an error too (the key was seen)
    long next = nextOffset;
    assertThatThrownBy(() -> d.accept(consumed(frags.get(3), 4)))
        .isInstanceOf(CorruptEntryException.class)
        .hasMessageContaining("offset " + next)
        .hasMessageContaining("without the fragments before it");
  }

  @Test
  void badCrc_isCorrupt_namingTopicPartitionOffset() {
    byte[] entry = encode(commit("app", 4, 2, 0, 1));
    entry[100] ^= 0x40;
    KafkaEntryDecoder d = new KafkaEntryDecoder();
    long offset = nextOffset;
    assertThatThrownBy(() -> d.accept(consumed(KafkaRecords.records(TOPIC, "app", 4, entry, 100_000).get(0), 1)))
        .isInstanceOf(CorruptEntryException.class)
        .hasMessageContaining("topic walflow.log partition 1 offset " + offset)
        .hasMessageContaining("CRC-32C");
    // decoding goes on with the next record
    assertThat(d.accept(consumed(KafkaRecords.records(TOPIC, "app", 5, encode(commit("app", 5, 1, 0, 1)), 100_000).get(0), 1)))
        .isPresent();
  }

  @Test
  void badCrc_inAReassembledEntry_namesTheRecordThatCompletedIt() {
    byte[] entry = encode(commit("app", 4, 6, 0, 1));
    entry[5] ^= 0x01;
    List<ProducerRecord<byte[], byte[]>> frags = KafkaRecords.records(TOPIC, "app", 4, entry, 1000);
    KafkaEntryDecoder d = new KafkaEntryDecoder();
    for (int i = 0; i < frags.size() - 1; i++) {
      d.accept(consumed(frags.get(i), 0));
    }
    long last = nextOffset;
    assertThatThrownBy(() -> d.accept(consumed(frags.get(frags.size() - 1), 0)))
        .isInstanceOf(CorruptEntryException.class)
        .hasMessageContaining("offset " + last)
        .hasMessageContaining("CRC-32C");
  }

  @Test
  void headerMismatches_andTrailingBytes_areCorrupt() {
    byte[] entry = encode(commit("app", 4, 1, 0, 1));
    KafkaEntryDecoder d = new KafkaEntryDecoder();
    assertThatThrownBy(() -> d.accept(consumed(KafkaRecords.records(TOPIC, "app", 5, entry, 100_000).get(0), 0)))
        .isInstanceOf(CorruptEntryException.class).hasMessageContaining("walflow-lsn says 5");
    assertThatThrownBy(() -> d.accept(consumed(KafkaRecords.records(TOPIC, "other", 4, entry, 100_000).get(0), 0)))
        .isInstanceOf(CorruptEntryException.class).hasMessageContaining("under key 'other'");
    byte[] longer = java.util.Arrays.copyOf(entry, entry.length + 3);
    assertThatThrownBy(() -> d.accept(consumed(KafkaRecords.records(TOPIC, "app", 4, longer, 100_000).get(0), 0)))
        .isInstanceOf(CorruptEntryException.class).hasMessageContaining("record holds " + longer.length);
    RecordHeaders bad = new RecordHeaders();
    bad.add(new RecordHeader(KafkaRecords.LSN_HEADER, new byte[8]));
    bad.add(new RecordHeader(KafkaRecords.FRAGMENT_HEADER, new byte[] {0, 0, 0, 3, 0, 0, 0, 2}));
    assertThatThrownBy(() -> d.accept(new ConsumerRecord<>(TOPIC, 0, 99, 0L, TimestampType.CREATE_TIME, 3, 3,
        "app".getBytes(), new byte[] {1, 2, 3}, bad, Optional.empty())))
        .isInstanceOf(CorruptEntryException.class).hasMessageContaining("offset 99").hasMessageContaining("fragment 3 of 2");
  }

  // ---------------------------------------------------------------- helpers

  private ConsumerRecord<byte[], byte[]> consumed(ProducerRecord<byte[], byte[]> r, int partition) {
    return new ConsumerRecord<>(r.topic(), partition, nextOffset++, 0L, TimestampType.CREATE_TIME, r.key().length,
        r.value().length, r.key(), r.value(), r.headers(), Optional.empty());
  }

  private static byte[] encode(LogEntry e) {
    return new EntryCodec(false).encode(e);
  }

  private static LogEntry.Commit commit(String db, long lsn, int pages, int part, int parts) {
    Random r = new Random(lsn * 31 + part);
    List<Page> list = new ArrayList<>();
    for (int i = 0; i < pages; i++) {
      byte[] data = new byte[512];
      r.nextBytes(data);
      list.add(new Page(1 + part * 10 + i, data));
    }
    return new LogEntry.Commit(db, lsn, AT, 512, 40, pages, new WalPosition(1, 2, 3, 32, 4), list,
        new byte[] {(byte) lsn, (byte) part}, part, parts);
  }

  private static void assertSameContent(LogEntry a, LogEntry b) {
    assertThat(a.db()).isEqualTo(b.db());
    assertThat(a.lsn()).isEqualTo(b.lsn());
    assertThat(a.pages()).hasSameSizeAs(b.pages());
    for (int i = 0; i < a.pages().size(); i++) {
      assertThat(a.pages().get(i).pgno()).isEqualTo(b.pages().get(i).pgno());
      assertThat(a.pages().get(i).data()).isEqualTo(b.pages().get(i).data());
    }
    assertThat(a.changes()).isEqualTo(b.changes());
  }
}
