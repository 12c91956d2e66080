package io.walflow.ingest.kafka;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The Kafka record format of the log (docs/log-format.md, "Kafka records"):
 *
 * <ul>
 *   <li>key: the database name, UTF-8, so that one database's records share a partition and keep
 *       their order;
 *   <li>value: the bytes of one log entry part exactly as {@link io.walflow.ingest.log.EntryCodec}
 *       encodes it (magic {@code WFL1} … CRC-32C), or, for an entry longer than the maximum record
 *       size, one of its consecutive byte fragments;
 *   <li>header {@value #LSN_HEADER}: 8 bytes, the entry's LSN as a big-endian int64, on every record;
 *   <li>header {@value #FRAGMENT_HEADER}: only on fragments, 8 bytes: big-endian int32 fragment index
 *       (from 0), big-endian int32 fragment count (at least 2).
 * </ul>
 */
public final class KafkaRecords {
  /** Header carrying the entry's LSN (8 bytes, big-endian int64) on every record. */
  public static final String LSN_HEADER = "walflow-lsn";
  /** Header on fragments only: int32 index, int32 count, big-endian. */
  public static final String FRAGMENT_HEADER = "walflow-fragment";

  private KafkaRecords() {}

  /**
   * The records carrying one encoded entry (part): one record when it fits in {@code
   * maxRecordBytes}, otherwise consecutive fragments of at most that many bytes.
   */
  public static List<ProducerRecord<byte[], byte[]>> records(String topic, String db, long lsn, byte[] entry,
      int maxRecordBytes) {
    if (maxRecordBytes < 1) {
      throw new IllegalArgumentException("maxRecordBytes must be >= 1, got " + maxRecordBytes);
    }
    byte[] key = db.getBytes(StandardCharsets.UTF_8);
    byte[] lsnBytes = ByteBuffer.allocate(8).putLong(lsn).array();
    if (entry.length <= maxRecordBytes) {
      RecordHeaders h = new RecordHeaders();
      h.add(new RecordHeader(LSN_HEADER, lsnBytes));
      return List.of(new ProducerRecord<>(topic, null, key, entry, h));
    }
    int count = (entry.length + maxRecordBytes - 1) / maxRecordBytes;
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int from = i * maxRecordBytes;
      byte[] value = Arrays.copyOfRange(entry, from, Math.min(entry.length, from + maxRecordBytes));
      RecordHeaders h = new RecordHeaders();
      h.add(new RecordHeader(LSN_HEADER, lsnBytes));
      h.add(new RecordHeader(FRAGMENT_HEADER, ByteBuffer.allocate(8).putInt(i).putInt(count).array()));
      out.add(new ProducerRecord<>(topic, null, key, value, h));
    }
    return out;
  }
}
