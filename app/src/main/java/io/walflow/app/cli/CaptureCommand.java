package io.walflow.app.cli;

import io.walflow.replica.http.HttpSettings;
import io.walflow.replica.repair.LogRangeServer;
import java.util.Optional;
import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.DatabaseStats;
import io.walflow.ingest.Durability;
import io.walflow.ingest.KafkaSettings;
import java.nio.file.Path;
import io.walflow.ingest.DigestSettings;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code walflow capture}: follows databases until SIGINT/SIGTERM, then flushes and exits 0. */
@Command(name = "capture", mixinStandardHelpOptions = true,
    description = {"Captures every committed transaction of the given SQLite databases (WAL mode) into the log.",
        "Runs until SIGINT or SIGTERM, then reads what is committed, appends it and exits 0."})
public final class CaptureCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(CaptureCommand.class);

  @Option(names = "--db", required = true, split = ",", paramLabel = "NAME=PATH", converter = DatabaseOption.Converter.class,
      description = "A database to capture, under a name of your choice (repeatable). A file that does not exist yet is waited for.")
  List<DatabaseOption> databases;

  @Option(names = "--data-dir", defaultValue = "walflow-data", paramLabel = "DIR",
      description = "Where the log and capture's state live (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--commit-window", defaultValue = "0", paramLabel = "MS",
      description = "Gather the commits of all databases arriving within this many milliseconds into one log append (default: ${DEFAULT-VALUE}).")
  long commitWindowMs;

  @Option(names = "--durability", defaultValue = "local", paramLabel = "local|fsync|kafka",
      description = "local: durable once appended (survives a process crash); fsync: once forced to disk (survives a machine crash); kafka: once Kafka acknowledged it (acks=all; needs --kafka). Default: ${DEFAULT-VALUE}.")
  String durability;

  @Option(names = "--kafka", paramLabel = "BOOTSTRAP",
      description = "Also publish every log entry to Kafka at this bootstrap address (e.g. 127.0.0.1:9092); see docs/log-format.md, Kafka records.")
  String kafka;

  @Option(names = "--kafka-topic", defaultValue = KafkaSettings.DEFAULT_TOPIC, paramLabel = "TOPIC",
      description = "Kafka topic of the log (default: ${DEFAULT-VALUE}); created if missing.")
  String kafkaTopic;

  @Option(names = "--kafka-partitions", defaultValue = "6", paramLabel = "N",
      description = "Partitions of the topic when capture creates it (default: ${DEFAULT-VALUE}); databases are spread over them by name.")
  int kafkaPartitions;

  @Option(names = "--kafka-replication", defaultValue = "1", paramLabel = "N",
      description = "Replication factor of the topic when capture creates it (default: ${DEFAULT-VALUE}).")
  short kafkaReplication;

  @Option(names = "--kafka-max-record-bytes", defaultValue = "921600", paramLabel = "BYTES",
      description = "Entries larger than this are cut into fragments of at most this size (default: ${DEFAULT-VALUE}, 900 KiB, below Kafka's 1 MiB message.max.bytes).")
  int kafkaMaxRecordBytes;

  @Option(names = "--checkpoint-pages", defaultValue = "4000", paramLabel = "N",
      description = "Checkpoint (PASSIVE, then let SQLite restart the WAL) once the WAL holds N frames (default: ${DEFAULT-VALUE}).")
  int checkpointPages;

  @Option(names = "--truncate-mb", defaultValue = "64", paramLabel = "MB",
      description = "The WAL's size bound: a TRUNCATE checkpoint once the WAL file reaches it, and a writer that "
          + "outpaces capture is held (SQLite's write lock, up to 1 s at a time) while capture catches up "
          + "(default: ${DEFAULT-VALUE}).")
  long truncateMb;

  @Option(names = "--snapshot-every-mb", defaultValue = "1024", paramLabel = "MB",
      description = "Write a fresh snapshot of a database after this many MB of its log entries, so retention can remove older log files (default: ${DEFAULT-VALUE}).")
  long snapshotEveryMb;

  @Option(names = "--retention", defaultValue = "24h", paramLabel = "DURATION",
      description = "Keep log files at least this long (e.g. 30m, 24h, 7d), even when a later snapshot covers them (default: ${DEFAULT-VALUE}).")
  String retention;

  @Option(names = "--roll-cycle", defaultValue = "FAST_HOURLY", paramLabel = "CYCLE",
      description = "How often a new log file starts (Chronicle roll cycle, e.g. FAST_HOURLY, FAST_DAILY); fixed once the log exists (default: ${DEFAULT-VALUE}).")
  String rollCycle;

  @Option(names = "--min-free-disk-mb", defaultValue = "256", paramLabel = "MB",
      description = "Stop appending, with an error, rather than leave less than this free on the log's file system (default: ${DEFAULT-VALUE}).")
  long minFreeMb;

  @Option(names = "--no-compress", description = "Store pages uncompressed (default: LZ4 when smaller).")
  boolean noCompress;

  @Option(names = "--no-changes", description = "Do not decode row changes into the log (default: decode; see docs/change-events.md).")
  boolean noChanges;

  @Option(names = "--digest-every-commits", defaultValue = "1000", paramLabel = "N",
      description = "Publish divergence digests (log entry type 3, docs/log-format.md section 11) after every N commits "
          + "of a database (default: ${DEFAULT-VALUE}; 0: no count limit).")
  int digestEveryCommits;

  @Option(names = "--digest-every", defaultValue = "10s", paramLabel = "DURATION",
      description = "... or this long after a commit, whichever comes first (default: ${DEFAULT-VALUE}; 0: no time limit; "
          + "both 0: no digests, for readers older than digest entries).")
  String digestEvery;

  @Option(names = "--digest-buckets", defaultValue = "4096", paramLabel = "B",
      description = "Hash buckets per table in a digest, 1..1048576 (default: ${DEFAULT-VALUE}): more buckets move fewer "
          + "rows per repair and make each digest entry 8 x B bytes.")
  int digestBuckets;

  @Option(names = "--status-every", defaultValue = "10s", paramLabel = "DURATION",
      description = "Log each database's LSN and counters this often (default: ${DEFAULT-VALUE}; 0 to disable).")
  String statusEvery;

  /** The log endpoint to serve alongside capture (set by {@link CaptureNodeCommand}; not an option here). */
  Optional<HttpSettings> logEndpoint = Optional.empty();

  @Override
  public Integer call() throws Exception {
    CaptureConfig cfg = config();
    Optional<HttpSettings> http = logEndpoint;
    CountDownLatch stopped = new CountDownLatch(1);
    DigestSettings digests = new DigestSettings(digestEveryCommits,
        Durations.parse(digestEvery, "--digest-every"), digestBuckets);
    DataDirLock lock = DataDirLock.acquire(cfg.dataDir(), "walflow capture");
    Capture capture;
    try {
      http.ifPresent(h -> Ports.requireFree("log range server of walflow capture", h.host(), h.port()));
      capture = Capture.start(cfg, digests);
    } catch (Exception e) {
      lock.close();
      throw e;
    }
    Optional<LogRangeServer> server;
    try {
      server = http.map(h -> LogRangeServer.start(cfg.dataDir(), h));
    } catch (RuntimeException e) {
      capture.close();
      lock.close();
      throw e;
    }
    server.ifPresent(s -> LOG.info("serving the log by LSN range at {}/v1/log/{{db}}?fromLsn=N&toLsn=M", s.baseUrl()));
    Thread hook = new Thread(() -> {
      LOG.info("stopping: reading what is committed and appending it");
      server.ifPresent(LogRangeServer::close);
      try {
        capture.close();
      } catch (Exception e) {
        LOG.error("while stopping: {}", e.toString());
      }
      RunCommand.closeQuietly(lock);
      stopped.countDown();
    }, "walflow-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    LOG.info("capturing {} database(s) into {} (commit window {} ms, durability {}{})", cfg.databases().size(),
        cfg.dataDir().toAbsolutePath(), commitWindowMs, cfg.durability().name().toLowerCase(),
        cfg.kafka().map(k -> ", publishing to Kafka " + k.bootstrapServers() + " topic " + k.topic()).orElse(""));
    long every = Durations.parse(statusEvery, "--status-every").toMillis();
    while (!stopped.await(every > 0 ? every : 1000, TimeUnit.MILLISECONDS)) {
      if (capture.failure().isPresent() && allFailed(capture.stats())) {
        LOG.error("every database stopped; exiting");
        Runtime.getRuntime().removeShutdownHook(hook);
        server.ifPresent(LogRangeServer::close);
        capture.close();
        lock.close();
        return 2;
      }
      if (every > 0) {
        for (DatabaseStats s : capture.stats()) {
          LOG.info("{}: {} lsn={} durable={}{} commits={} frames={} logBytes={} walRestarts={} checkpoints={} "
                  + "walBehind={} stalls={} writerHolds={}", s.db(),
              s.state(), s.lsn(), s.durableLsn(), cfg.kafka().isPresent() ? " published=" + s.publishedLsn()
                  + " (" + Math.max(0, s.lsn() - s.publishedLsn()) + " behind)" : "",
              s.commits(), s.frames(), s.logBytes(), s.walRestarts(), s.checkpoints(), s.walFramesBehind(), s.stalls(),
              s.writerHolds());
        }
        capture.kafkaProblem().ifPresent(p -> LOG.warn("Kafka publishing stalled: {}", p));
      }
    }
    return 0;
  }

  private static boolean allFailed(List<DatabaseStats> stats) {
    return stats.stream().allMatch(s -> s.state().startsWith("failed"));
  }

  CaptureConfig config() {
    CaptureConfig cfg = CaptureConfig.defaults(dataDir)
        .withCommitWindow(Duration.ofMillis(commitWindowMs))
        .withDurability(parseDurability(durability))
        .withCheckpoints(checkpointPages, truncateMb << 20)
        .withRetention(snapshotEveryMb << 20, Durations.parse(retention, "--retention"), rollCycle)
        .withMinFreeDiskBytes(minFreeMb << 20)
        .withDecodeChanges(!noChanges);
    if (noCompress) {
      cfg = cfg.withCompressPages(false);
    }
    if (kafka != null) {
      cfg = cfg.withKafka(new KafkaSettings(kafka, kafkaTopic, kafkaPartitions, kafkaReplication, kafkaMaxRecordBytes));
    } else if (cfg.durability() == Durability.KAFKA) {
      throw new IllegalArgumentException("--durability kafka needs --kafka BOOTSTRAP");
    }
    for (DatabaseOption d : databases) {
      cfg = cfg.withDatabase(d.name(), d.path());
    }
    return cfg;
  }

  static Durability parseDurability(String s) {
    return switch (s.toLowerCase()) {
      case "local" -> Durability.LOCAL;
      case "fsync" -> Durability.FSYNC;
      case "kafka" -> Durability.KAFKA;
      default -> throw new IllegalArgumentException("--durability must be local, fsync or kafka, got '" + s + "'");
    };
  }
}
