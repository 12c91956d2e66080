package io.walflow.app.cli;

import io.walflow.ingest.KafkaSettings;
import io.walflow.replica.DatabaseStatus;
import io.walflow.replica.Replica;
import io.walflow.replica.ReplicaConfig;
import io.walflow.replica.ReplicaStatus;
import io.walflow.replica.http.HttpSettings;
import io.walflow.replica.http.ReplicaHttpServer;
import io.walflow.replica.source.EntrySource;
import io.walflow.replica.source.KafkaSource;
import io.walflow.replica.source.LocalLogSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code walflow replica}: a regional read replica serving HTTP until SIGINT/SIGTERM. */
@Command(name = "replica", mixinStandardHelpOptions = true,
    description = {"A regional read replica: applies the log (from Kafka, or from a local walflow log) into RocksDB",
        "and serves point reads and range scans over HTTP through a row cache. Runs until SIGINT or SIGTERM.",
        "Endpoints: GET /v1/status, /v1/replica/{db}/{table}?limit=&after=&minLsn=&timeoutMs=, /v1/replica/{db}/{table}/{key}."})
public final class ReplicaCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicaCommand.class);

  @Option(names = "--region", required = true, paramLabel = "NAME",
      description = "The replica's region; its Kafka consumer group is walflow-replica-NAME.")
  String region;

  // Exactly one source (checked in call(), not by an @ArgGroup, whose options a configuration file could not set).
  @Option(names = "--kafka", paramLabel = "BOOTSTRAP",
      description = "Consume the log from Kafka (bootstrap servers). One of --kafka and --from-log is required.")
  String kafka;

  @Option(names = "--from-log", paramLabel = "DIR", description = "Tail a local walflow log instead (capture's --data-dir).")
  Path fromLog;

  @Option(names = "--topic", defaultValue = KafkaSettings.DEFAULT_TOPIC, paramLabel = "TOPIC",
      description = "The log's Kafka topic (default: ${DEFAULT-VALUE}).")
  String topic;

  @Option(names = "--data-dir", defaultValue = "walflow-replica", paramLabel = "DIR",
      description = "The replica's own directory (RocksDB); one per region (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--http-port", defaultValue = "8480", paramLabel = "PORT", description = "HTTP port (default: ${DEFAULT-VALUE}; 0: any free port).")
  int httpPort;

  @Option(names = "--http-host", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
      description = "Address to listen on (default: ${DEFAULT-VALUE}).")
  String httpHost;

  @Option(names = "--token", paramLabel = "TOKEN", split = ConfigFile.LIST_SPLIT, hideParamSyntax = true, description = "A bearer token that reads require (repeatable).")
  List<String> tokens = new ArrayList<>();

  @Option(names = "--tokens-file", paramLabel = "FILE", description = "A file of bearer tokens, one per line ('#' starts a comment).")
  Path tokensFile;

  @Option(names = "--open", description = "Serve without a token. Development only: anyone who can connect reads every row.")
  boolean open;

  @Option(names = "--cache-rows", defaultValue = "100000", paramLabel = "N", description = "Rows the cache holds (default: ${DEFAULT-VALUE}).")
  long cacheRows;

  @Option(names = "--sync", description = "Force every applied transaction to disk (survives a machine crash; default: a process crash).")
  boolean sync;

  @Option(names = "--min-free-disk-mb", defaultValue = "256", paramLabel = "MB",
      description = "Pause applying (state disk_full, retried every second) rather than leave less than this free on the store's file system (default: ${DEFAULT-VALUE}; 0: only when RocksDB finds no space).")
  long minFreeMb;

  @Option(names = "--status-every", defaultValue = "10s", paramLabel = "DURATION",
      description = "Log each database's LSN and lag this often (default: ${DEFAULT-VALUE}; 0 to disable).")
  String statusEvery;

  @Option(names = "--repair-from", paramLabel = "URL",
      description = {"The capture node's log endpoint (walflow capture --http-port), e.g. http://127.0.0.1:8470:",
          "a gap is filled from there, or from its newest snapshot when the range is gone (default: wait for a snapshot)."})
  String repairFrom;

  @Option(names = "--repair-token", paramLabel = "TOKEN", description = "The bearer token of --repair-from (none for an endpoint started with --open).")
  String repairToken;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    if ((kafka == null) == (fromLog == null)) {
      throw new IllegalArgumentException("give exactly one of --kafka BOOTSTRAP and --from-log DIR");
    }
    if (repairToken != null && repairFrom == null) {
      throw new IllegalArgumentException("--repair-token needs --repair-from URL");
    }
    java.util.Optional<io.walflow.replica.repair.LogRangeClient> repair = java.util.Optional.ofNullable(repairFrom)
        .map(u -> new io.walflow.replica.repair.LogRangeClient(u, java.util.Optional.ofNullable(repairToken)));
    HttpSettings http = new HttpSettings(httpHost, httpPort, tokens(), open, HttpSettings.DEFAULT_MAX_URI);
    long every = Durations.parse(statusEvery, "--status-every").toMillis();
    if (minFreeMb < 0) {
      throw new IllegalArgumentException("--min-free-disk-mb must be >= 0, got " + minFreeMb);
    }
    ReplicaConfig config = new ReplicaConfig(region, dataDir, cacheRows, sync, minFreeMb << 20);
    DataDirLock lock = DataDirLock.acquire(dataDir, "walflow replica");
    Replica replica;
    try {
      Ports.requireFree("HTTP API of walflow replica", httpHost, httpPort);
      replica = Replica.open(config);
    } catch (Exception e) {
      lock.close();
      throw e;
    }
    ReplicaHttpServer server;
    BootstrapProgress bootstrap = new BootstrapProgress(replica, region, spec.commandLine().getErr());
    try {
      EntrySource entries = kafka != null ? new KafkaSource(kafka, topic, region) : new LocalLogSource(fromLog);
      replica.start(entries, repair);
      server = ReplicaHttpServer.start(replica, http);
    } catch (RuntimeException e) {
      bootstrap.close();
      replica.close();
      lock.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping: HTTP, then the apply thread (after its transaction), then RocksDB");
      server.close();
      bootstrap.close();
      replica.close();
      RunCommand.closeQuietly(lock);
      stopped.countDown();
    }, "walflow-replica-shutdown"));
    LOG.info("replica {} serving {} from {} ({})", region, server.baseUrl(), dataDir.toAbsolutePath(),
        kafka != null ? "kafka " + kafka + " topic " + topic : "log " + fromLog);
    while (!stopped.await(every > 0 ? every : 1000, TimeUnit.MILLISECONDS)) {
      if (every > 0) {
        ReplicaStatus s = replica.status();
        LOG.info("source: {}; cache hit rate {}; {} bytes on disk", s.source(), String.format("%.3f", s.cacheHitRate()), s.bytesOnDisk());
        for (DatabaseStatus d : s.databases().values()) {
          LOG.info("{}: {} lsn={} lagLsns={} lagMs={} tables={} gapsRepaired={} resnapshots={} repairBytes={}{}", d.db(),
              d.state().name().toLowerCase(), d.lsn(), d.lagLsns(), d.lagMs(), d.tables(), d.repair().gapsRepaired(),
              d.repair().resnapshots(), d.repair().bytesFetched(), d.reason().map(r -> " (" + r + ")").orElse(""));
        }
      }
    }
    return 0;
  }

  private Set<String> tokens() throws IOException {
    Set<String> all = new HashSet<>(tokens);
    if (tokensFile != null) {
      for (String line : Files.readAllLines(tokensFile)) {
        String t = line.strip();
        if (!t.isEmpty() && !t.startsWith("#")) {
          all.add(t);
        }
      }
      if (all.isEmpty()) {
        throw new IllegalArgumentException("--tokens-file " + tokensFile + " holds no token");
      }
    }
    if (open && !all.isEmpty()) {
      throw new IllegalArgumentException("--open serves without tokens; give either --open or tokens, not both");
    }
    return all;
  }
}
