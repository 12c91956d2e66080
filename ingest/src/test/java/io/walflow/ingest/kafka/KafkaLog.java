package io.walflow.ingest.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.LogEntry;
import io.walflow.ingest.LogReader;
import io.walflow.ingest.LogRecord;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Test helper: what a topic holds, decoded, deduplicated, and compared with the local log. */
final class KafkaLog {
  private KafkaLog() {}

  /**
   * Reads {@code topic} from its beginning with {@link KafkaEntryDecoder} until every database in
   * {@code until} has reached that LSN (a commit, or a snapshot's last part); returns each
   * database's entries in order, repeats dropped (what a consumer skips: an entry whose type, LSN
   * and part it already has). Also checks that a database's records all sit in one partition.
   */
  static Map<String, List<KafkaEntry>> consume(String bootstrap, String topic, Map<String, Long> until)
      throws Exception {
    Map<String, List<KafkaEntry>> out = new LinkedHashMap<>();
    Map<String, Set<String>> seen = new HashMap<>();
    Map<String, Integer> partitionOf = new HashMap<>();
    KafkaEntryDecoder decoder = new KafkaEntryDecoder();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 << 20),
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      c.partitionsFor(topic, Duration.ofSeconds(30)).forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
      c.assign(parts);
      c.seekToBeginning(parts);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!reached(out, until)) {
        assertThat(System.nanoTime()).as("consumed %s by now; want %s", last(out), until).isLessThan(deadline);
        for (KafkaEntry e : decoder.decode(c.poll(Duration.ofMillis(200)))) {
          LogEntry entry = e.entry();
          Integer before = partitionOf.putIfAbsent(entry.db(), e.partition());
          assertThat(e.partition()).as("partition of %s", entry.db()).isEqualTo(before == null ? e.partition() : before);
          String key = (entry instanceof LogEntry.Snapshot ? "s" : "c") + entry.lsn() + "/" + entry.partIndex();
          if (seen.computeIfAbsent(entry.db(), k -> new HashSet<>()).add(key)) {
            out.computeIfAbsent(entry.db(), k -> new ArrayList<>()).add(e);
          }
        }
      }
    }
    return out;
  }

  private static boolean reached(Map<String, List<KafkaEntry>> out, Map<String, Long> until) {
    for (var u : until.entrySet()) {
      List<KafkaEntry> l = out.get(u.getKey());
      if (l == null || l.isEmpty()) {
        return false;
      }
      LogEntry e = l.get(l.size() - 1).entry();
      if (e.lsn() < u.getValue() || e.partIndex() != e.partCount() - 1) {
        return false;
      }
    }
    return true;
  }

  private static Map<String, Long> last(Map<String, List<KafkaEntry>> out) {
    Map<String, Long> m = new HashMap<>();
    out.forEach((db, l) -> m.put(db, l.get(l.size() - 1).entry().lsn()));
    return m;
  }

  /** The entries of {@code db} in the local log (commits reassembled, snapshot parts one by one). */
  static List<LogEntry> local(Path data, String db) throws Exception {
    List<LogEntry> out = new ArrayList<>();
    try (LogReader r = LogReader.open(data)) {
      r.toStart();
      Optional<LogRecord> rec;
      while ((rec = r.next(Optional.of(db), 0)).isPresent()) {
        out.add(rec.get().entry());
      }
    }
    return out;
  }

  /** Kafka's entries of a database equal the local log's, in order, page for page and byte for byte. */
  static void assertSameAsLocal(List<KafkaEntry> kafka, List<LogEntry> local) {
    assertThat(kafka).as("entries in Kafka").hasSameSizeAs(local);
    for (int i = 0; i < local.size(); i++) {
      LogEntry k = kafka.get(i).entry();
      LogEntry l = local.get(i);
      assertThat(k.getClass()).isEqualTo(l.getClass());
      assertThat(k.lsn()).as("LSN of entry %d", i).isEqualTo(l.lsn());
      assertThat(k.partIndex()).isEqualTo(l.partIndex());
      assertThat(k.partCount()).isEqualTo(l.partCount());
      assertThat(k.dbPageCount()).isEqualTo(l.dbPageCount());
      assertThat(k.walPosition()).isEqualTo(l.walPosition());
      assertThat(k.committedAt()).isEqualTo(l.committedAt());
      assertThat(k.changes()).as("changes of LSN %d", l.lsn()).isEqualTo(l.changes());
      assertThat(k.pages()).hasSameSizeAs(l.pages());
      for (int p = 0; p < l.pages().size(); p++) {
        assertThat(k.pages().get(p).pgno()).isEqualTo(l.pages().get(p).pgno());
        assertThat(k.pages().get(p).data()).as("page %d of LSN %d", l.pages().get(p).pgno(), l.lsn())
            .isEqualTo(l.pages().get(p).data());
      }
    }
  }

  /** Invariant 1 on a database's entries: LSN 0, 1, 2, … each once (snapshot parts share theirs). */
  static long assertDense(List<KafkaEntry> entries) {
    long expected = 0;
    long last = -1;
    for (KafkaEntry ke : entries) {
      LogEntry e = ke.entry();
      if (e instanceof LogEntry.Snapshot s && s.partIndex() > 0) {
        assertThat(s.lsn()).isEqualTo(last);
        continue;
      }
      assertThat(e.lsn()).as("LSN after %d", last).isEqualTo(expected);
      last = e.lsn();
      expected++;
    }
    return last;
  }

  /** Applies the pages of {@code entries} to a new file: the database as of the last entry. */
  static void rebuild(List<KafkaEntry> entries, Path file) throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      for (KafkaEntry ke : entries) {
        LogEntry e = ke.entry();
        for (LogEntry.Page p : e.pages()) {
          f.seek((long) (p.pgno() - 1) * e.pageSize());
          f.write(p.data());
        }
        if (e.partIndex() == e.partCount() - 1) {
          f.setLength((long) e.dbPageCount() * e.pageSize());
        }
      }
    }
  }
}
