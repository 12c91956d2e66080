package io.walflow.ingest.kafka;

import io.walflow.ingest.CorruptEntryException;
import io.walflow.ingest.DurabilityTracker;
import io.walflow.ingest.KafkaSettings;
import io.walflow.ingest.LogPosition;
import io.walflow.ingest.log.ChronicleLog;
import io.walflow.ingest.log.EntryCodec;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Utils;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.wire.DocumentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the local log to Kafka: one thread follows the Chronicle queue and produces every
 * entry part, exactly as encoded, in log order ({@link KafkaRecords} for the record format), with
 * an idempotent producer ({@code acks=all}, at most 5 requests in flight per connection, so Kafka
 * keeps each partition's order across retries).
 *
 * <p>Pipelined: whatever documents are waiting (a commit window each) are sent as one group
 * without waiting for earlier groups' acknowledgements, up to {@value #MAX_IN_FLIGHT_BYTES} bytes
 * unacknowledged. Groups are retired strictly in log order, once every record of a group and of
 * every group before it is acknowledged: only then are its entries marked in the {@link
 * DurabilityTracker} (what {@code --durability kafka} reports, so in LSN order), and the queue
 * index of its last document becomes the acknowledged position, persisted at most every {@value
 * #PERSIST_EVERY_MILLIS} ms in {@code <data-dir>/kafka/<topic>.position}. A restarted capture
 * republishes from there: a crash can repeat records (consumers skip LSNs they already have),
 * never lose one.
 *
 * <p>When Kafka is unreachable or any group fails, the producer is closed, every group in flight
 * is dropped, the publisher says so (log and {@link #problem()}), waits with back-off and produces
 * again from the last acknowledged document (groups after a failed one may have reached Kafka:
 * republished, deduplicated by consumers). Capture keeps appending to the local log meanwhile;
 * retention keeps every file Kafka has not acknowledged. Nothing stalls silently: a group without
 * an answer past the delivery timeout fails, and a log reader that stops seeing appends is
 * reported and replaced.
 */
public final class KafkaPublisher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaPublisher.class);
  static final long PERSIST_EVERY_MILLIS = 200;
  /** A group (the records sent together, acknowledged together) holds at most about this much. */
  private static final long MAX_GROUP_BYTES = 4L << 20;
  /** Sent but unacknowledged bytes at most (under the producer's 64 MiB buffer). */
  private static final long MAX_IN_FLIGHT_BYTES = 32L << 20;
  private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final long BACKOFF_MIN_MILLIS = 250;
  private static final long BACKOFF_MAX_MILLIS = 10_000;
  private static final long WARN_EVERY_MILLIS = 30_000;
  /** The watch thread reports a publisher whose acknowledged position has not moved for this long. */
  private static final long NO_PROGRESS_MILLIS = 20_000;
  /** A reader that sees nothing while the log has more for this long is replaced. */
  private static final long STALL_MILLIS = 2_000;
  private static final long STALL_CHECK_EVERY_MILLIS = 250;
  private static final int DELIVERY_TIMEOUT_MILLIS = 30_000;
  /** A group unanswered this long (past the producer's delivery timeout) fails: new producer, resend. */
  private static final long NO_ANSWER_MILLIS = DELIVERY_TIMEOUT_MILLIS + 30_000L;
  /** Acknowledgements slower than this are reported as a problem. */
  private static final long SLOW_ACK_MILLIS = 3_000;
  /** How long close() waits for what is in the log to be acknowledged. */
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);
  /** 〃 while Kafka is known to be unreachable. */
  private static final Duration DRAIN_TIMEOUT_UNREACHABLE = Duration.ofSeconds(3);

  /** Told, on the publisher's thread, of each entry Kafka acknowledged (its last record). */
  @FunctionalInterface
  public interface AckListener {
    void acknowledged(String db, long lsn, long nanoTime);
  }

  private final ChronicleLog log;
  private final KafkaSettings settings;
  private final DurabilityTracker published;
  private final Path positionFile;
  private final Thread thread;
  private final List<AckListener> listeners = new CopyOnWriteArrayList<>();

  private volatile boolean stopping;
  private volatile KafkaProducer<byte[], byte[]> producer;
  private volatile long ackedIndex = -1;
  private volatile String problem;
  private final Map<String, Long> ackedLsns = new TreeMap<>();
  /** Groups sent and not yet acknowledged, in log order (publisher thread only). */
  private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
  private long inFlightBytes;
  /** A group read but held back until the partitions it writes to acknowledged this producer. */
  private Held held;
  /** Partitions that acknowledged a record of the current producer (written by its I/O thread). */
  private volatile Set<Integer> confirmed = ConcurrentHashMap.newKeySet();
  /** The topic's partition count as the current producer sees it, or 0 before it looked. */
  private int partitionCount;
  /** Queue index of the last document read (publisher thread only). */
  private long lastReadIndex = -1;
  private long lastStallCheckMillis;
  private long stallSeenMillis;
  private boolean topicChecked;
  private long lastPersistMillis;
  private boolean dirty;
  private Instant since = Instant.now();

  /**
   * @param published marked with each entry's LSN once Kafka acknowledged it; initialised from the
   *     persisted position
   */
  public KafkaPublisher(ChronicleLog log, KafkaSettings settings, Path dataDir, DurabilityTracker published)
      throws IOException {
    this.log = log;
    this.settings = settings;
    this.published = published;
    this.positionFile = dataDir.resolve("kafka").resolve(settings.topic() + ".position");
    Files.createDirectories(positionFile.getParent());
    loadPosition();
    this.thread = new Thread(this::run, "walflow-kafka-publisher");
    this.thread.setDaemon(true);
  }

  public void start() {
    thread.start();
    Thread w = new Thread(this::watchProgress, "walflow-kafka-publisher-watch");
    w.setDaemon(true);
    w.start();
  }

  /**
   * From its own thread: when the acknowledged position has not moved for {@value
   * #NO_PROGRESS_MILLIS} ms while the log holds more, says so (and what the publisher thread is
   * doing: its stack), so that a publisher stuck anywhere — even outside its own checks — is
   * visible in the log and in {@link #problem()}.
   */
  private void watchProgress() {
    long lastAcked = ackedIndex;
    long since = System.currentTimeMillis();
    while (!stopping && thread.isAlive()) {
      LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(5));
      long acked = ackedIndex;
      long now = System.currentTimeMillis();
      if (acked != lastAcked) {
        lastAcked = acked;
        since = now;
        continue;
      }
      long end;
      try {
        end = log.queue().lastIndex();
      } catch (RuntimeException e) {
        continue; // the log is closing
      }
      // Only when the publisher reports nothing itself (an outage is already reported): once per stall.
      if (end > acked && now - since >= NO_PROGRESS_MILLIS && problem == null) {
        StringBuilder stack = new StringBuilder();
        for (StackTraceElement f : thread.getStackTrace()) {
          stack.append("\n\tat ").append(f);
        }
        problem = "Kafka publishing has not moved for " + (now - since) / 1000 + " s (acknowledged up to queue index 0x"
            + Long.toHexString(acked) + ", the log ends at 0x" + Long.toHexString(end) + ")";
        LOG.warn("{}; the publisher thread is at:{}", problem, stack);
      }
    }
  }

  /** Wakes the publisher (the log writer appended something). */
  public void wake() {
    LockSupport.unpark(thread);
  }

  public void addListener(AckListener l) {
    listeners.add(l);
  }

  /**
   * The queue index of the last document Kafka acknowledged (every entry in it and before it), or
   * -1: retention must keep that document's file and every later one.
   */
  public long acknowledgedIndex() {
    return ackedIndex;
  }

  /** Why publishing is not progressing (Kafka unreachable, a failed batch), or empty when it is. */
  public Optional<String> problem() {
    return Optional.ofNullable(problem);
  }

  public KafkaSettings settings() {
    return settings;
  }

  // ---------------------------------------------------------------- position

  private void loadPosition() throws IOException {
    if (!Files.exists(positionFile)) {
      return;
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(positionFile, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    try {
      ackedIndex = Long.parseLong(p.getProperty("index", "-1"));
      for (String k : p.stringPropertyNames()) {
        if (k.startsWith("lsn.")) {
          long lsn = Long.parseLong(p.getProperty(k));
          String db = k.substring(4);
          ackedLsns.put(db, lsn);
          published.markDurable(db, lsn);
        }
      }
    } catch (NumberFormatException e) {
      throw new IOException("Kafka publishing position " + positionFile + " is damaged (" + e.getMessage()
          + "); delete it to republish the whole local log", e);
    }
    LOG.info("Kafka publishing resumes from {} (published LSNs {})", resumePoint(), ackedLsns);
  }

  private void persistPosition(boolean force) {
    long now = System.currentTimeMillis();
    if (!dirty || (!force && now - lastPersistMillis < PERSIST_EVERY_MILLIS)) {
      return;
    }
    Properties p = new Properties();
    p.setProperty("index", Long.toString(ackedIndex));
    p.setProperty("topic", settings.topic());
    ackedLsns.forEach((db, lsn) -> p.setProperty("lsn." + db, Long.toString(lsn)));
    Path tmp = positionFile.resolveSibling(positionFile.getFileName() + ".tmp");
    try {
      try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        p.store(w, "walflow: queue index of the last log document Kafka acknowledged, and each database's LSN there");
      }
      try {
        Files.move(tmp, positionFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, positionFile, StandardCopyOption.REPLACE_EXISTING);
      }
      lastPersistMillis = now;
      dirty = false;
    } catch (IOException e) {
      // Not fatal: a restart republishes from an older position (duplicates, no loss).
      LOG.warn("cannot save the Kafka publishing position in {}: {}", positionFile, e.toString());
    }
  }

  // ---------------------------------------------------------------- the thread

  /** One encoded entry part read from the log. */
  private record Part(long index, EntryCodec.Header header, byte[] bytes) {}

  private void run() {
    long backoff = BACKOFF_MIN_MILLIS;
    long lastWarn = 0;
    ExcerptTailer tailer = log.tailer();
    try {
      rewind(tailer);
      while (true) {
        try {
          boolean progressed = retireAcknowledged();
          boolean sent = sendWaiting(tailer);
          if (progressed) {
            persistPosition(false);
            if (problem != null) {
              LOG.info("Kafka at {} acknowledges again; publishing resumed (published LSNs {})",
                  settings.bootstrapServers(), ackedLsns);
              problem = null;
            }
            backoff = BACKOFF_MIN_MILLIS;
          }
          if (inFlight.isEmpty() && !sent) {
            persistPosition(false);
            if (stopping) {
              return;
            }
          }
          reportSlowAcks();
          if (!progressed && !sent) {
            if (inFlight.isEmpty() && tailerStalled()) {
              tailer.close();
              tailer = log.tailer();
              rewind(tailer);
              continue;
            }
            LockSupport.parkNanos(IDLE_PARK_NANOS);
          }
        } catch (PublishException e) {
          closeProducer();
          held = null;
          inFlight.clear();
          inFlightBytes = 0;
          boolean first = problem == null;
          if (first) {
            since = Instant.now();
          }
          problem = "Kafka at " + settings.bootstrapServers() + " unreachable or failing since " + since + ": "
              + e.getMessage();
          long now = System.currentTimeMillis();
          if (first || now - lastWarn >= WARN_EVERY_MILLIS) {
            LOG.warn("{}; capture keeps appending locally and publishes from {} (published LSNs {}) when Kafka "
                + "answers", problem, resumePoint(), ackedLsns);
            lastWarn = now;
          }
          if (stopping) {
            return;
          }
          sleep(backoff);
          backoff = Math.min(BACKOFF_MAX_MILLIS, backoff * 2);
          rewind(tailer);
        }
      }
    } catch (RuntimeException | Error e) {
      problem = "Kafka publisher stopped: " + e;
      published.fail(e);
      LOG.error("Kafka publisher stopped; a restarted capture republishes from {}: {}", resumePoint(), e.toString(), e);
    } finally {
      persistPosition(true);
      closeProducer();
      tailer.close();
    }
  }

  /**
   * Whether the log has held documents after the last one read for {@value #STALL_MILLIS} ms
   * while the tailer reads nothing: a tailer that stopped seeing appends (it happened once after
   * a broker restart, never reproduced) is reported and replaced, never left silent.
   */
  private boolean tailerStalled() {
    long now = System.currentTimeMillis();
    if (now - lastStallCheckMillis < STALL_CHECK_EVERY_MILLIS) {
      return false;
    }
    lastStallCheckMillis = now;
    long last = log.queue().lastIndex();
    if (last <= lastReadIndex || last < 0) {
      stallSeenMillis = 0;
      return false;
    }
    if (stallSeenMillis == 0) {
      stallSeenMillis = now;
      return false;
    }
    if (now - stallSeenMillis < STALL_MILLIS) {
      return false;
    }
    stallSeenMillis = 0;
    LOG.warn("the log holds documents up to queue index 0x{} but the publisher's reader saw none after 0x{} for {} "
        + "ms; reopening it at {}", Long.toHexString(last), Long.toHexString(lastReadIndex), STALL_MILLIS, resumePoint());
    return true;
  }

  private String resumePoint() {
    long i = ackedIndex;
    return i < 0 ? "the start of the log" : "after queue index 0x" + Long.toHexString(i);
  }

  /** Positions the tailer just after the last acknowledged document. */
  private void rewind(ExcerptTailer tailer) {
    lastReadIndex = ackedIndex;
    stallSeenMillis = 0;
    tailer.direction(TailerDirection.FORWARD);
    if (ackedIndex < 0) {
      tailer.toStart();
      return;
    }
    if (tailer.moveToIndex(ackedIndex)) {
      try (DocumentContext dc = tailer.readingDocument()) {
        // skip the acknowledged document itself
        dc.isPresent();
      }
      return;
    }
    LOG.warn("the log no longer holds queue index 0x{}, where Kafka publishing stopped; republishing from the start "
        + "of the log (consumers skip what they already have)", Long.toHexString(ackedIndex));
    tailer.toStart();
  }

  /**
   * Reads the documents waiting in the log (up to {@value #MAX_GROUP_BYTES} bytes) and sends them as
   * one more {@link InFlight} group, unless {@value #MAX_IN_FLIGHT_BYTES} bytes are already
   * unacknowledged. Returns whether it sent anything.
   */
  private boolean sendWaiting(ExcerptTailer tailer) throws PublishException {
    if (held == null) {
      if (inFlightBytes >= MAX_IN_FLIGHT_BYTES) {
        return false;
      }
      List<Part> parts = new ArrayList<>();
      long lastIndex = readGroup(tailer, parts);
      if (lastIndex < 0) {
        return false;
      }
      held = group(parts, lastIndex);
    }
    if (!inFlight.isEmpty() && !confirmed.containsAll(held.partitions)) {
      // Its first record on a partition new to this producer is awaited (awaitFirst), which
      // blocks this thread: first let the groups in flight be acknowledged and retired.
      return false;
    }
    InFlight g = send(held);
    held = null;
    inFlight.addLast(g);
    inFlightBytes += g.bytes;
    return true;
  }

  /** Reads waiting documents into {@code out}; returns the index of the last one read, or -1. */
  private long readGroup(ExcerptTailer tailer, List<Part> out) {
    long last = -1;
    long bytes = 0;
    while (bytes < MAX_GROUP_BYTES) {
      byte[] doc;
      long index;
      try (DocumentContext dc = tailer.readingDocument()) {
        if (!dc.isPresent()) {
          break;
        }
        index = dc.index();
        Bytes<?> b = dc.wire().bytes();
        doc = new byte[(int) b.readRemaining()];
        b.read(doc);
      }
      last = index;
      lastReadIndex = index;
      bytes += doc.length;
      ByteBuffer buf = ByteBuffer.wrap(doc);
      int offset = 0;
      try {
        while (offset < doc.length) {
          String where = new LogPosition(index, offset).toString();
          EntryCodec.Header h = EntryCodec.header(buf, offset, where);
          out.add(new Part(index, h, Arrays.copyOfRange(doc, offset, offset + h.length())));
          offset += h.length();
        }
      } catch (CorruptEntryException e) {
        // What the local reader would skip too: the rest of this document cannot be framed.
        LOG.error("not publishing the rest of a damaged log document: {}", e.getMessage());
      }
    }
    return last;
  }

  /** A group read from the log, its records built (partition chosen), not sent yet. */
  private record Held(List<ProducerRecord<byte[], byte[]>> records, Set<Integer> partitions, long lastIndex,
      List<EntryCodec.Header> completed, long bytes) {}

  /**
   * The records of {@code parts}, each with its partition chosen as Kafka's default partitioner
   * would for its key (murmur2 of the database name), so that the publisher knows them before
   * sending.
   */
  private Held group(List<Part> parts, long lastIndex) throws PublishException {
    int partitions = partitionCount();
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    Set<Integer> used = new HashSet<>();
    List<EntryCodec.Header> completed = new ArrayList<>();
    long bytes = 0;
    for (Part part : parts) {
      for (ProducerRecord<byte[], byte[]> r : KafkaRecords.records(settings.topic(), part.header().db(),
          part.header().lsn(), part.bytes(), settings.maxRecordBytes())) {
        int partition = Utils.toPositive(Utils.murmur2(r.key())) % partitions;
        used.add(partition);
        records.add(new ProducerRecord<>(r.topic(), partition, r.timestamp(), r.key(), r.value(), r.headers()));
      }
      bytes += part.bytes().length;
      if (part.header().lastPart()) {
        completed.add(part.header());
      }
    }
    return new Held(records, used, lastIndex, completed, bytes);
  }

  /**
   * Sends every record of {@code h} without waiting: acknowledgements arrive through the
   * producer's callbacks, which count the group down and wake this thread.
   */
  private InFlight send(Held h) throws PublishException {
    KafkaProducer<byte[], byte[]> p = producer();
    InFlight g = new InFlight(h.lastIndex(), h.completed(), h.bytes(), h.records().size());
    try {
      for (ProducerRecord<byte[], byte[]> r : h.records()) {
        Future<RecordMetadata> f = p.send(r, g);
        if (g.failure != null) {
          break; // failed at once (no metadata within max.block.ms): do not wait again per record
        }
        if (!g.confirmedOf.contains(r.partition())) {
          awaitFirst(f, r.partition());
        }
      }
    } catch (RuntimeException e) {
      throw new PublishException(e.toString(), e);
    }
    if (g.failure != null) {
      throw new PublishException(String.valueOf(g.failure), g.failure);
    }
    return g;
  }

  /**
   * Waits for the acknowledgement of the first record the current producer sends to {@code
   * partition}, before anything else goes there: a broker without state for this producer on the
   * partition accepts any sequence number first, so a later batch overtaking a retried first one
   * (NOT_LEADER on a just-created topic) would be written before it, the retried one then failing
   * with OUT_OF_ORDER_SEQUENCE_NUMBER — Kafka holding LSN 10 before 0..9. Once the partition
   * acknowledged the producer, Kafka keeps the order of what follows.
   */
  private void awaitFirst(Future<RecordMetadata> f, int partition) throws PublishException {
    long start = System.currentTimeMillis();
    while (true) {
      try {
        f.get(100, TimeUnit.MILLISECONDS);
        return;
      } catch (TimeoutException e) {
        long waited = System.currentTimeMillis() - start;
        if (waited >= SLOW_ACK_MILLIS && problem == null) {
          since = Instant.now();
          problem = "Kafka at " + settings.bootstrapServers() + " has not acknowledged the first record on partition "
              + partition + " for " + waited / 1000 + " s (unreachable?); the producer keeps retrying";
          LOG.warn("{}; capture keeps appending locally (published LSNs {})", problem, ackedLsns);
        }
        if (waited >= NO_ANSWER_MILLIS || stopping && waited >= DRAIN_TIMEOUT_UNREACHABLE.toMillis()) {
          throw new PublishException("neither acknowledgement nor error for " + waited / 1000 + " s", null);
        }
      } catch (ExecutionException e) {
        throw new PublishException(String.valueOf(e.getCause()), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new PublishException("interrupted", e);
      }
    }
  }

  /**
   * Retires, in log order, the groups at the head whose every record Kafka acknowledged: marks
   * their entries durable and moves the acknowledged position. A failed group (anywhere: Kafka
   * keeps order per partition, so what follows it cannot be relied on either) fails them all.
   * Returns whether a group was retired.
   */
  private boolean retireAcknowledged() throws PublishException {
    for (InFlight g : inFlight) {
      Exception failure = g.failure;
      if (failure != null) {
        throw new PublishException(String.valueOf(failure), failure);
      }
    }
    boolean retired = false;
    long now = System.nanoTime();
    while (!inFlight.isEmpty() && inFlight.peekFirst().pending.get() == 0) {
      InFlight g = inFlight.removeFirst();
      inFlightBytes -= g.bytes;
      for (EntryCodec.Header h : g.completed) {
        ackedLsns.merge(h.db(), h.lsn(), Math::max);
        published.markDurable(h.db(), h.lsn());
        for (AckListener l : listeners) {
          l.acknowledged(h.db(), h.lsn(), now);
        }
      }
      ackedIndex = g.lastIndex;
      dirty = true;
      retired = true;
    }
    return retired;
  }

  /**
   * The producer retries on its own until its delivery timeout; meanwhile, once the oldest group
   * has waited {@value #SLOW_ACK_MILLIS} ms, the wait is reported as a problem.
   */
  private void reportSlowAcks() throws PublishException {
    InFlight head = inFlight.peekFirst();
    if (head == null) {
      return;
    }
    long waited = System.currentTimeMillis() - head.sentAtMillis;
    if (waited >= NO_ANSWER_MILLIS) {
      // The producer promises an answer within its delivery timeout: do not wait forever on one.
      throw new PublishException("neither acknowledgement nor error for " + waited / 1000 + " s", null);
    }
    if (waited >= SLOW_ACK_MILLIS && problem == null) {
      since = Instant.now();
      problem = "Kafka at " + settings.bootstrapServers() + " has not acknowledged for " + waited / 1000
          + " s (unreachable?); the producer keeps retrying";
      LOG.warn("{}; capture keeps appending locally (published LSNs {})", problem, ackedLsns);
    }
  }

  /**
   * The records of a run of log documents, sent together: acknowledged once every record is. The
   * producer's callbacks (its I/O thread) count it down and wake the publisher.
   */
  private final class InFlight implements Callback {
    final long lastIndex;
    final List<EntryCodec.Header> completed;
    final long bytes;
    final long sentAtMillis = System.currentTimeMillis();
    final AtomicInteger pending;
    /** The confirmed partitions of the producer this group was sent with. */
    final Set<Integer> confirmedOf = confirmed;
    volatile Exception failure;

    InFlight(long lastIndex, List<EntryCodec.Header> completed, long bytes, int records) {
      this.lastIndex = lastIndex;
      this.completed = completed;
      this.bytes = bytes;
      this.pending = new AtomicInteger(records);
    }

    @Override
    public void onCompletion(RecordMetadata metadata, Exception e) {
      if (e != null && failure == null) {
        failure = e;
      }
      if (e == null) {
        confirmedOf.add(metadata.partition());
      }
      if (pending.decrementAndGet() == 0 || e != null) {
        LockSupport.unpark(thread);
      }
    }
  }

  private KafkaProducer<byte[], byte[]> producer() throws PublishException {
    KafkaProducer<byte[], byte[]> p = producer;
    if (p != null) {
      return p;
    }
    if (!topicChecked) {
      ensureTopic();
      topicChecked = true;
    }
    Map<String, Object> cfg = Map.ofEntries(
        Map.entry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers()),
        Map.entry(ProducerConfig.CLIENT_ID_CONFIG, "walflow-capture"),
        Map.entry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true),
        Map.entry(ProducerConfig.ACKS_CONFIG, "all"),
        Map.entry(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5),
        Map.entry(ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE),
        Map.entry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, DELIVERY_TIMEOUT_MILLIS),
        Map.entry(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000),
        Map.entry(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000),
        Map.entry(ProducerConfig.LINGER_MS_CONFIG, 1),
        Map.entry(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024),
        Map.entry(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L << 20),
        Map.entry(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Math.max(1 << 20, settings.maxRecordBytes() + (64 << 10))),
        Map.entry(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none"),
        Map.entry(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2000));
    try {
      p = new KafkaProducer<>(cfg, new ByteArraySerializer(), new ByteArraySerializer());
    } catch (RuntimeException e) {
      throw new PublishException("cannot create a Kafka producer: " + e.getMessage(), e);
    }
    producer = p;
    return p;
  }

  private int partitionCount() throws PublishException {
    if (partitionCount == 0) {
      KafkaProducer<byte[], byte[]> p = producer();
      try {
        partitionCount = p.partitionsFor(settings.topic()).size();
      } catch (RuntimeException e) {
        throw new PublishException("no partitions of topic '" + settings.topic() + "' known: " + e, e);
      }
      if (partitionCount == 0) {
        throw new PublishException("topic '" + settings.topic() + "' has no partitions", null);
      }
    }
    return partitionCount;
  }

  /** Creates the topic when missing; warns when an existing one has other settings. */
  private void ensureTopic() throws PublishException {
    Map<String, Object> cfg = Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers(),
        AdminClientConfig.CLIENT_ID_CONFIG, "walflow-capture-admin",
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 4000,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
    String topic = settings.topic();
    try (Admin admin = Admin.create(cfg)) {
      try {
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(6, TimeUnit.SECONDS).get(topic);
        int partitions = d.partitions().size();
        int replication = d.partitions().isEmpty() ? 0 : d.partitions().get(0).replicas().size();
        if (partitions != settings.partitions() || replication != settings.replication()) {
          LOG.warn("Kafka topic '{}' exists with {} partitions and replication {} (configured: {} and {}); using it as "
              + "it is", topic, partitions, replication, settings.partitions(), settings.replication());
        }
        return;
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
          throw e;
        }
      }
      try {
        admin.createTopics(List.of(new NewTopic(topic, settings.partitions(), settings.replication())))
            .all().get(6, TimeUnit.SECONDS);
        LOG.info("created Kafka topic '{}' with {} partitions and replication {}", topic, settings.partitions(),
            settings.replication());
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw e;
        }
      }
    } catch (ExecutionException e) {
      throw new PublishException("checking topic '" + topic + "': " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new PublishException("checking topic '" + topic + "': no answer within 6 s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PublishException("interrupted", e);
    } catch (RuntimeException e) {
      throw new PublishException("checking topic '" + topic + "': " + e, e);
    }
  }

  private void closeProducer() {
    KafkaProducer<byte[], byte[]> p = producer;
    producer = null;
    confirmed = ConcurrentHashMap.newKeySet(); // late callbacks of the old producer fill the old set
    partitionCount = 0;
    if (p != null) {
      try {
        p.close(Duration.ZERO);
      } catch (RuntimeException e) {
        LOG.debug("closing the Kafka producer: {}", e.toString());
      }
    }
  }

  private void sleep(long millis) {
    long until = System.currentTimeMillis() + millis;
    while (!stopping && System.currentTimeMillis() < until) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.min(100, until - System.currentTimeMillis())));
    }
  }

  /**
   * Publishes what the log holds (waiting up to 30 s, or 3 s while Kafka is unreachable), then
   * stops. What is not acknowledged by then is published by the next capture.
   */
  @Override
  public void close() {
    stopping = true;
    LockSupport.unpark(thread);
    try {
      thread.join((problem == null ? DRAIN_TIMEOUT : DRAIN_TIMEOUT_UNREACHABLE).toMillis());
      if (thread.isAlive()) {
        LOG.warn("Kafka has not acknowledged everything in the log; the next capture publishes from {}", resumePoint());
        KafkaProducer<byte[], byte[]> p = producer;
        if (p != null) {
          p.close(Duration.ZERO); // aborts the pending batch; the thread then stops
        }
        thread.join(10_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A batch was not acknowledged. */
  private static final class PublishException extends Exception {
    private static final long serialVersionUID = 1L;

    PublishException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
