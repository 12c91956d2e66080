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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.wire.DocumentContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the local log to Kafka: one thread follows the Chronicle queue and produces every
 * entry part, exactly as encoded, in log order ({@link KafkaRecords} for the record format), with
 * an idempotent producer ({@code acks=all}). Whatever documents are waiting (a commit window each)
 * are produced together as one batch (linger 1 ms), and the next batch starts once Kafka
 * acknowledged every record of this one.
 *
 * <p>After each acknowledged batch the publisher marks the entries it completed in its {@link
 * DurabilityTracker} (what {@code --durability kafka} reports) and, at most every {@value
 * #PERSIST_EVERY_MILLIS} ms, persists the queue index of the last acknowledged document in {@code
 * <data-dir>/kafka/<topic>.position}. A restarted capture republishes from there: a crash can
 * repeat records (consumers skip LSNs they already have), never lose one.
 *
 * <p>When Kafka is unreachable or a batch fails, the producer is closed, the publisher says so
 * (log and {@link #problem()}), waits with back-off and produces again from the last acknowledged
 * document. Capture keeps appending to the local log meanwhile; retention keeps every file Kafka
 * has not acknowledged.
 */
public final class KafkaPublisher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaPublisher.class);
  static final long PERSIST_EVERY_MILLIS = 200;
  private static final long MAX_BATCH_BYTES = 16L << 20;
  private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final long BACKOFF_MIN_MILLIS = 250;
  private static final long BACKOFF_MAX_MILLIS = 10_000;
  private static final long WARN_EVERY_MILLIS = 30_000;
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
    LOG.info("Kafka publishing resumes after queue index 0x{} (published LSNs {})", Long.toHexString(ackedIndex),
        ackedLsns);
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
        List<Part> batch = new ArrayList<>();
        long lastIndex = readBatch(tailer, batch);
        if (lastIndex < 0) {
          persistPosition(false);
          if (stopping) {
            return;
          }
          LockSupport.parkNanos(IDLE_PARK_NANOS);
          continue;
        }
        try {
          publish(batch);
          ackedIndex = lastIndex;
          dirty = true;
          persistPosition(false);
          if (problem != null) {
            LOG.info("Kafka at {} acknowledges again; publishing resumed (published LSNs {})",
                settings.bootstrapServers(), ackedLsns);
            problem = null;
          }
          backoff = BACKOFF_MIN_MILLIS;
        } catch (PublishException e) {
          closeProducer();
          boolean first = problem == null;
          if (first) {
            since = Instant.now();
          }
          problem = "Kafka at " + settings.bootstrapServers() + " unreachable or failing since " + since + ": "
              + e.getMessage();
          long now = System.currentTimeMillis();
          if (first || now - lastWarn >= WARN_EVERY_MILLIS) {
            LOG.warn("{}; capture keeps appending locally and publishes from LSNs {} (queue index 0x{}) when Kafka "
                + "answers", problem, ackedLsns, Long.toHexString(ackedIndex));
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
      LOG.error("Kafka publisher stopped; a restarted capture republishes from queue index 0x{}: {}",
          Long.toHexString(ackedIndex), e.toString(), e);
    } finally {
      persistPosition(true);
      closeProducer();
      tailer.close();
    }
  }

  /** Positions the tailer just after the last acknowledged document. */
  private void rewind(ExcerptTailer tailer) {
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

  /** Reads waiting documents into {@code out}; returns the index of the last one read, or -1. */
  private long readBatch(ExcerptTailer tailer, List<Part> out) {
    long last = -1;
    long bytes = 0;
    while (bytes < MAX_BATCH_BYTES) {
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

  private void publish(List<Part> batch) throws PublishException {
    KafkaProducer<byte[], byte[]> p = producer();
    List<Future<RecordMetadata>> futures = new ArrayList<>();
    try {
      for (Part part : batch) {
        for (ProducerRecord<byte[], byte[]> r : KafkaRecords.records(settings.topic(), part.header().db(),
            part.header().lsn(), part.bytes(), settings.maxRecordBytes())) {
          Future<RecordMetadata> f = p.send(r);
          if (f.isDone()) {
            f.get(); // failed at once (no metadata within max.block.ms): do not wait again per record
          }
          futures.add(f);
        }
      }
      // No flush(): it would block without a word while Kafka is down. A linger of 1 ms sends the
      // batch's records together; awaitAcks reports a slow broker.
      awaitAcks(futures);
    } catch (ExecutionException e) {
      throw new PublishException(String.valueOf(e.getCause()), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PublishException("interrupted", e);
    } catch (RuntimeException e) {
      throw new PublishException(e.toString(), e);
    }
    long now = System.nanoTime();
    for (Part part : batch) {
      EntryCodec.Header h = part.header();
      if (h.lastPart()) {
        ackedLsns.merge(h.db(), h.lsn(), Math::max);
        published.markDurable(h.db(), h.lsn());
        for (AckListener l : listeners) {
          l.acknowledged(h.db(), h.lsn(), now);
        }
      }
    }
  }

  /**
   * Waits for every record's acknowledgement. The producer retries on its own until its delivery
   * timeout; meanwhile, past {@value #SLOW_ACK_MILLIS} ms, the wait is reported as a problem.
   */
  private void awaitAcks(List<Future<RecordMetadata>> futures) throws ExecutionException, InterruptedException {
    long start = System.currentTimeMillis();
    for (Future<RecordMetadata> f : futures) {
      while (true) {
        try {
          f.get(100, TimeUnit.MILLISECONDS);
          break;
        } catch (TimeoutException e) {
          long waited = System.currentTimeMillis() - start;
          if (waited >= SLOW_ACK_MILLIS && problem == null) {
            since = Instant.now();
            problem = "Kafka at " + settings.bootstrapServers() + " has not acknowledged for " + waited / 1000
                + " s (unreachable?); the producer keeps retrying";
            LOG.warn("{}; capture keeps appending locally (published LSNs {})", problem, ackedLsns);
          }
        }
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
        Map.entry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000),
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

  /** Creates the topic when missing; warns when an existing one has other settings. */
  private void ensureTopic() throws PublishException {
    Map<String, Object> cfg = Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers(),
        AdminClientConfig.CLIENT_ID_CONFIG, "walflow-capture-admin",
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
    String topic = settings.topic();
    try (Admin admin = Admin.create(cfg)) {
      try {
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(15, TimeUnit.SECONDS).get(topic);
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
            .all().get(15, TimeUnit.SECONDS);
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
      throw new PublishException("checking topic '" + topic + "': no answer within 15 s", e);
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
        LOG.warn("Kafka has not acknowledged everything in the log; the next capture publishes from queue index 0x{}",
            Long.toHexString(ackedIndex));
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
