package io.walflow.ingest.kafka;

import io.walflow.ingest.CorruptEntryException;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.log.EntryCodec;
import io.walflow.ingest.log.PartAssembler;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer side of the Kafka record format ({@link KafkaRecords}, docs/log-format.md "Kafka
 * records"): turns the records of a topic, fed in order per partition, back into log entries.
 *
 * <pre>{@code
 * KafkaEntryDecoder decoder = new KafkaEntryDecoder();
 * consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
 * while (running) {
 *   for (KafkaEntry e : decoder.decode(consumer.poll(Duration.ofMillis(100)))) {
 *     if (e.entry().lsn() <= watermark(e.entry().db())) continue;   // redelivered: skip
 *     apply(e.entry());
 *   }
 * }
 * }</pre>
 *
 * <p>For each record it
 *
 * <ol>
 *   <li>reassembles fragments ({@value KafkaRecords#FRAGMENT_HEADER} header) per partition and key:
 *       fragment 0 starts (or restarts) a sequence; a later fragment must directly follow the
 *       previous one of its key with the same count and LSN; a record without the header while a
 *       sequence is incomplete drops the incomplete one (capture republished after a crash);
 *   <li>decodes the entry with {@link EntryCodec#decode} (CRC-32C and every bound checked) and
 *       checks that it fills the value exactly and that its database and LSN match the key and the
 *       {@value KafkaRecords#LSN_HEADER} header;
 *   <li>reassembles multi-part commits with {@link PartAssembler}, like {@link
 *       io.walflow.ingest.LogReader}: a commit is returned once, whole, after its last part;
 *       snapshot parts are returned one by one.
 * </ol>
 *
 * <p>A record that fails any check raises a {@link CorruptEntryException} whose position names the
 * topic, partition and offset ({@code topic walflow.log partition 3 offset 1234}); nothing is
 * returned from it, the incomplete state of its key is dropped, and decoding can continue with the
 * next record. A fragment or part {@code k > 0} of a key that this decoder has not seen since it
 * was created or {@link #reset reset} is skipped silently: the consumer started inside an entry.
 *
 * <p>Entries are delivered at least once: after a capture crash, records are republished from the
 * last acknowledged position, so a consumer skips LSNs it has already applied (LSN ≤ its
 * watermark). Use {@link #committableOffset} to commit consumer offsets that never cut an
 * incomplete entry in two. Not thread-safe: one decoder per consumer.
 */
public final class KafkaEntryDecoder {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaEntryDecoder.class);

  private final Map<TopicPartition, PartitionState> partitions = new HashMap<>();

  /** Decodes the records of one poll, partition by partition, in offset order. */
  public List<KafkaEntry> decode(ConsumerRecords<byte[], byte[]> records) {
    List<KafkaEntry> out = new ArrayList<>();
    for (TopicPartition tp : records.partitions()) {
      for (ConsumerRecord<byte[], byte[]> r : records.records(tp)) {
        accept(r).ifPresent(out::add);
      }
    }
    return out;
  }

  /**
   * Feeds the next record of its partition; returns the entry it completes, if any.
   *
   * @throws CorruptEntryException when the record fails a check (see the class description)
   */
  public Optional<KafkaEntry> accept(ConsumerRecord<byte[], byte[]> record) {
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    PartitionState st = partitions.computeIfAbsent(tp, k -> new PartitionState());
    st.nextOffset = record.offset() + 1;
    String where = "topic " + record.topic() + " partition " + record.partition() + " offset " + record.offset();
    if (record.key() == null) {
      throw new CorruptEntryException(where, "record has no key (expected the database name)");
    }
    String key = new String(record.key(), StandardCharsets.UTF_8);
    boolean seenBefore = st.seenKeys.contains(key);
    long lsn = lsnHeader(record, where);
    Header frag = record.headers().lastHeader(KafkaRecords.FRAGMENT_HEADER);
    byte[] value;
    long firstOffset;
    if (frag == null) {
      st.seenKeys.add(key);
      Fragments dropped = st.fragments.remove(key);
      if (dropped != null) {
        LOG.info("{}: incomplete fragment sequence of '{}' LSN {} (from offset {}) dropped; the entry was republished",
            where, key, dropped.lsn, dropped.firstOffset);
      }
      value = record.value();
      firstOffset = record.offset();
    } else {
      if (frag.value() == null || frag.value().length != 8) {
        st.fragments.remove(key);
        throw new CorruptEntryException(where, "header " + KafkaRecords.FRAGMENT_HEADER + " has "
            + (frag.value() == null ? "no value" : frag.value().length + " bytes") + ", expected 8");
      }
      ByteBuffer fb = ByteBuffer.wrap(frag.value());
      int index = fb.getInt();
      int count = fb.getInt();
      if (count < 2 || index < 0 || index >= count) {
        st.fragments.remove(key);
        throw new CorruptEntryException(where, "fragment " + index + " of " + count
            + ": expected 0 <= index < count and count >= 2");
      }
      if (record.value() == null || record.value().length == 0) {
        st.fragments.remove(key);
        throw new CorruptEntryException(where, "fragment " + index + " of " + count + " has no bytes");
      }
      Fragments f = st.fragments.get(key);
      if (index > 0 && f == null && !seenBefore) {
        LOG.debug("{}: fragment {} of {} of '{}' without its start (consumer started inside it): skipped", where,
            index, count, key);
        return Optional.empty();
      }
      st.seenKeys.add(key);
      if (index == 0) {
        if (f != null) {
          LOG.info("{}: fragment sequence of '{}' LSN {} (from offset {}) restarted before completing", where, key,
              f.lsn, f.firstOffset);
        }
        f = new Fragments(lsn, count, record.offset());
        st.fragments.put(key, f);
      } else if (f == null) {
        throw new CorruptEntryException(where, "fragment " + index + " of " + count + " of '" + key + "' LSN " + lsn
            + " without the fragments before it (no sequence in progress)");
      } else if (index != f.next || count != f.count || lsn != f.lsn) {
        st.fragments.remove(key);
        throw new CorruptEntryException(where, "fragment " + index + " of " + count + " of '" + key + "' LSN " + lsn
            + " follows fragment " + (f.next - 1) + " of " + f.count + " of LSN " + f.lsn + " (from offset "
            + f.firstOffset + ")");
      }
      f.bytes.writeBytes(record.value());
      f.next = index + 1;
      if (f.next < count) {
        return Optional.empty();
      }
      st.fragments.remove(key);
      value = f.bytes.toByteArray();
      firstOffset = f.firstOffset;
    }
    LogEntry entry = decodeEntry(value, where);
    if (!entry.db().equals(key)) {
      throw new CorruptEntryException(where, "entry of database '" + entry.db() + "' under key '" + key + "'");
    }
    if (entry.lsn() != lsn) {
      throw new CorruptEntryException(where, "entry LSN " + entry.lsn() + " but header " + KafkaRecords.LSN_HEADER
          + " says " + lsn);
    }
    final long first = firstOffset;
    return st.assembler.accept(new Where(where, first), entry)
        .map(a -> new KafkaEntry(record.topic(), record.partition(), a.position().offset, record.offset(), a.entry()));
  }

  /**
   * The offset a consumer of {@code tp} may commit without cutting an incomplete entry in two: the
   * first offset of the oldest entry still being reassembled in that partition, else the offset
   * after the last record fed. Empty when no record of {@code tp} was fed.
   */
  public OptionalLong committableOffset(TopicPartition tp) {
    PartitionState st = partitions.get(tp);
    if (st == null) {
      return OptionalLong.empty();
    }
    long min = st.nextOffset;
    for (Fragments f : st.fragments.values()) {
      min = Math.min(min, f.firstOffset);
    }
    for (Where w : st.assembler.pendingPositions()) {
      min = Math.min(min, w.offset);
    }
    return OptionalLong.of(min);
  }

  /** Forgets the incomplete entries of {@code tp}: call after seeking it or losing its assignment. */
  public void reset(TopicPartition tp) {
    partitions.remove(tp);
  }

  /** Forgets every partition's incomplete entries. */
  public void resetAll() {
    partitions.clear();
  }

  private static long lsnHeader(ConsumerRecord<byte[], byte[]> r, String where) {
    Header h = r.headers().lastHeader(KafkaRecords.LSN_HEADER);
    if (h == null || h.value() == null || h.value().length != 8) {
      throw new CorruptEntryException(where, "header " + KafkaRecords.LSN_HEADER + " missing or not 8 bytes");
    }
    return ByteBuffer.wrap(h.value()).getLong();
  }

  private static LogEntry decodeEntry(byte[] value, String where) {
    if (value == null) {
      throw new CorruptEntryException(where, "record has no value");
    }
    ByteBuffer b = ByteBuffer.wrap(value);
    int length = EntryCodec.entryLength(b, 0, where);
    if (length != value.length) {
      throw new CorruptEntryException(where, "entry length " + length + " but the record holds " + value.length
          + " bytes");
    }
    return EntryCodec.decode(b, 0, where);
  }

  /** A record's position: printed in errors, and its (first) offset for {@link #committableOffset}. */
  private record Where(String text, long offset) {
    @Override
    public String toString() {
      return text;
    }
  }

  private static final class Fragments {
    final long lsn;
    final int count;
    final long firstOffset;
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int next;

    Fragments(long lsn, int count, long firstOffset) {
      this.lsn = lsn;
      this.count = count;
      this.firstOffset = firstOffset;
    }
  }

  private static final class PartitionState {
    final Map<String, Fragments> fragments = new HashMap<>();
    final PartAssembler<Where> assembler = new PartAssembler<>();
    final Set<String> seenKeys = new HashSet<>();
    long nextOffset;
  }
}
