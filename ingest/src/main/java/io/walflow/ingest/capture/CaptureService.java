package io.walflow.ingest.capture;

import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.DatabaseStats;
import io.walflow.ingest.DigestSettings;
import io.walflow.ingest.Durability;
import io.walflow.ingest.DurabilityTracker;
import io.walflow.ingest.kafka.KafkaPublisher;
import io.walflow.ingest.log.ChronicleLog;
import io.walflow.ingest.log.LogTail;
import io.walflow.ingest.log.LogWriter;
import io.walflow.ingest.log.Retention;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs capture: one {@link DatabaseTailer} per database, one {@link LogWriter}, and retention.
 * Closing stops the tailers (each reads what is committed first), then the writer (which appends
 * everything handed to it), then the log.
 */
public final class CaptureService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CaptureService.class);
  private static final long RETENTION_PERIOD_SECONDS = 10;

  private final CaptureConfig config;
  private final ChronicleLog log;
  /** Entries appended to the local log (and forced, with fsync durability): what capture itself relies on. */
  private final DurabilityTracker durability = new DurabilityTracker();
  /** Entries Kafka acknowledged; null without Kafka publishing. */
  private final DurabilityTracker published;
  private final KafkaPublisher publisher;
  private final LogWriter writer;
  private final Map<String, DatabaseTailer> tailers = new LinkedHashMap<>();
  private final Map<String, Long> snapshotIndexes = new ConcurrentHashMap<>();
  private final ScheduledExecutorService scheduler;
  /** Opened with {@link #openStepped}: tailers have no threads. */
  private boolean stepped;

  private CaptureService(CaptureConfig config, Function<String, ChangeEncoder> encoders, DigestSettings digests)
      throws IOException {
    this.config = config;
    Files.createDirectories(config.dataDir());
    this.log = ChronicleLog.open(config.dataDir(), rollCycle(config.rollCycle()), false);
    Map<String, LogTail.Last> last = LogTail.scan(log, config.databases().keySet());
    last.forEach((db, l) -> {
      if (l.snapshotIndex() >= 0) {
        snapshotIndexes.put(db, l.snapshotIndex());
      }
    });
    if (config.kafka().isPresent()) {
      this.published = new DurabilityTracker();
      durability.failTogetherWith(published);
      this.publisher = new KafkaPublisher(log, config.kafka().get(), config.dataDir(), published);
    } else {
      this.published = null;
      this.publisher = null;
    }
    this.writer = new LogWriter(log, durability, config.durability() == Durability.FSYNC, config.commitWindow(),
        config.minFreeDiskBytes(), config.dataDir(), snapshotIndexes::put);
    for (Map.Entry<String, Path> e : config.databases().entrySet()) {
      tailers.put(e.getKey(), new DatabaseTailer(e.getKey(), e.getValue(), config, writer, durability, log,
          Optional.ofNullable(last.get(e.getKey())), encoders.apply(e.getKey()),
          config.decodeChanges() ? digests : DigestSettings.OFF));
    }
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "walflow-retention");
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts capture of every configured database. */
  public static CaptureService start(CaptureConfig config, Function<String, ChangeEncoder> encoders) throws IOException {
    return start(config, encoders, DigestSettings.OFF);
  }

  /** Starts capture of every configured database, publishing divergence digests as {@code digests} says. */
  public static CaptureService start(CaptureConfig config, Function<String, ChangeEncoder> encoders,
      DigestSettings digests) throws IOException {
    if (config.databases().isEmpty()) {
      throw new IllegalArgumentException("no database to capture: give at least one --db NAME=PATH");
    }
    if (config.durability() == Durability.KAFKA && config.kafka().isEmpty()) {
      throw new IllegalArgumentException("durability kafka needs Kafka publishing: give --kafka BOOTSTRAP");
    }
    CaptureService s = new CaptureService(config, encoders, digests);
    s.writer.start();
    if (s.publisher != null) {
      s.writer.addListener(a -> s.publisher.wake());
      s.publisher.start();
    }
    s.tailers.values().forEach(DatabaseTailer::start);
    s.scheduler.scheduleWithFixedDelay(s::retain, RETENTION_PERIOD_SECONDS, RETENTION_PERIOD_SECONDS, TimeUnit.SECONDS);
    return s;
  }

  /**
   * Capture driven by its caller one {@link #step} at a time, without tailer threads or background
   * retention: the entry point of the deterministic simulation. The log writer's thread still
   * appends; each step waits for it. {@link #close()} then stops as a crash would (what the steps
   * appended is in the log, nothing else is read).
   */
  public static CaptureService openStepped(CaptureConfig config, Function<String, ChangeEncoder> encoders)
      throws IOException {
    return openStepped(config, encoders, DigestSettings.OFF);
  }

  /** {@link #openStepped(CaptureConfig, Function)}, publishing digests as {@code digests} says. */
  public static CaptureService openStepped(CaptureConfig config, Function<String, ChangeEncoder> encoders,
      DigestSettings digests) throws IOException {
    CaptureService s = new CaptureService(config, encoders, digests);
    s.stepped = true;
    s.writer.start();
    return s;
  }

  /**
   * Reads what is committed in {@code db} into the log and returns once it is appended (see
   * {@link #openStepped}).
   *
   * @return how many commits were read
   */
  public int step(String db) throws IOException, InterruptedException {
    if (!stepped) {
      throw new IllegalStateException("step() is for capture opened with openStepped()");
    }
    DatabaseTailer t = tailers.get(db);
    if (t == null) {
      throw new IllegalArgumentException("no database '" + db + "' in this capture");
    }
    return t.step();
  }

  static RollCycle rollCycle(String name) {
    for (RollCycles r : RollCycles.values()) {
      if (r.name().equals(name)) {
        return r;
      }
    }
    for (TestRollCycles r : TestRollCycles.values()) {
      if (r.name().equals(name)) {
        return r;
      }
    }
    throw new IllegalArgumentException("unknown roll cycle '" + name + "' (for example FAST_HOURLY, FAST_DAILY)");
  }

  /** Runs retention now (also every ten seconds in the background). */
  public List<Path> retain() {
    try {
      List<Long> indexes = new ArrayList<>();
      for (String db : config.databases().keySet()) {
        indexes.add(snapshotIndexes.getOrDefault(db, -1L));
      }
      if (publisher != null) {
        // Keep every file holding a document Kafka has not acknowledged.
        indexes.add(publisher.acknowledgedIndex());
      }
      return new Retention(log, config.retention()).run(indexes);
    } catch (IOException | RuntimeException e) {
      LOG.warn("retention failed: {}", e.toString());
      return List.of();
    }
  }

  /** Durability in the local log (appended, or forced with fsync durability). */
  public DurabilityTracker durability() {
    return durability;
  }

  /** Durability at the configured level: the local log's, or Kafka's with {@link Durability#KAFKA}. */
  public DurabilityTracker reportedDurability() {
    return config.durability() == Durability.KAFKA ? published : durability;
  }

  /** The Kafka publisher, when capture publishes to Kafka. */
  public Optional<KafkaPublisher> publisher() {
    return Optional.ofNullable(publisher);
  }

  public LogWriter writer() {
    return writer;
  }

  /** Current figures of every database. */
  public List<DatabaseStats> stats() {
    List<DatabaseStats> out = new ArrayList<>();
    DurabilityTracker reported = reportedDurability();
    tailers.forEach((db, t) -> out.add(t.status().view(t.lsn(), reported.durableLsn(db),
        published == null ? -1 : published.durableLsn(db))));
    return out;
  }

  /** The first error that stopped a database or the log writer, if any. */
  public Optional<Throwable> failure() {
    for (DatabaseTailer t : tailers.values()) {
      if (t.failure().isPresent()) {
        return t.failure();
      }
    }
    return writer.failure();
  }

  @Override
  public void close() throws IOException {
    scheduler.shutdownNow();
    if (stepped) {
      tailers.values().forEach(DatabaseTailer::crash);
    }
    tailers.values().forEach(DatabaseTailer::stop);
    for (DatabaseTailer t : tailers.values()) {
      try {
        t.join(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try {
      writer.close();
    } finally {
      try {
        if (publisher != null) {
          publisher.close();
        }
      } finally {
        log.close();
      }
    }
  }
}
