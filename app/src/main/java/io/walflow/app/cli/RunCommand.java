package io.walflow.app.cli;

import io.walflow.dataflow.DataflowConfig;
import io.walflow.views.OverflowPolicy;
import io.walflow.views.ViewsConfig;
import io.walflow.views.http.Access;
import io.walflow.views.http.HttpConfig;
import io.walflow.views.stack.StackConfig;
import io.walflow.views.stack.ViewStack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code walflow run}: capture, log, dataflow, live views and the HTTP API in one process, until
 * SIGINT/SIGTERM.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"Captures the databases, maintains SQL views over them and serves lookups and live subscriptions "
        + "over HTTP (SSE and WebSocket; see docs/http-api.md). Runs until SIGINT or SIGTERM."})
public final class RunCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

  @Mixin
  CaptureCommand capture;

  @Option(names = "--http-host", defaultValue = "127.0.0.1", paramLabel = "HOST",
      description = "Address the HTTP API binds (default: ${DEFAULT-VALUE}).")
  String httpHost;

  @Option(names = "--http-port", defaultValue = "8080", paramLabel = "PORT",
      description = "Port of the HTTP API (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int httpPort;

  @Option(names = "--view", paramLabel = "NAME=SQL", split = ConfigFile.LIST_SPLIT, hideParamSyntax = true,
      description = "A view to create at start, once every database's snapshot is applied (repeatable).")
  List<String> views = List.of();

  // Exactly one of --token, --tokens-file and --open (checked in config(), not by an @ArgGroup, whose
  // options a configuration file could not set).
  @Option(names = "--token", paramLabel = "TOKEN",
      description = "The bearer token with every right (16+ characters). One of --token, --tokens-file, --open is required.")
  String token;

  @Option(names = "--tokens-file", paramLabel = "FILE",
      description = "Tokens with per-view rights, one per line: TOKEN admin|read:*|read:VIEW[,…] (docs/http-api.md).")
  Path tokensFile;

  @Option(names = "--open", description = "No authentication at all: local development only (announced loudly).")
  boolean open;

  @Option(names = "--state-dir", paramLabel = "DIR",
      description = "Where the engine keeps its base tables (default: DATA_DIR/dataflow; emptied at start).")
  Path stateDir;

  @Option(names = "--memory-mb", defaultValue = "256", paramLabel = "MB",
      description = "Bound on the engine's partial state (default: ${DEFAULT-VALUE}).")
  long memoryMb;

  @Option(names = "--worker-threads", defaultValue = "1", paramLabel = "N",
      description = "Threads the dataflow applies a transaction on (default: ${DEFAULT-VALUE}; see docs/dataflow.md).")
  int workerThreads;

  @Option(names = "--history", defaultValue = "1024", paramLabel = "N",
      description = "Deltas kept per view and arguments for resuming subscribers (default: ${DEFAULT-VALUE}).")
  int history;

  @Option(names = "--buffer", defaultValue = "256", paramLabel = "N",
      description = "Deltas buffered per subscriber before the overflow policy applies (default: ${DEFAULT-VALUE}).")
  int buffer;

  @Option(names = "--overflow", defaultValue = "conflate", paramLabel = "conflate|fail",
      description = "A subscriber past its buffer gets one resync snapshot (conflate) or is ended (fail). Default: ${DEFAULT-VALUE}.")
  String overflow;

  @Option(names = "--progress-every", defaultValue = "1s", paramLabel = "DURATION",
      description = "Interval of progress events on subscriptions (default: ${DEFAULT-VALUE}).")
  String progressEvery;

  @Option(names = "--max-subscribers-per-client", defaultValue = "1000", paramLabel = "N",
      description = "Open subscriptions per token (per address with --open) (default: ${DEFAULT-VALUE}).")
  int maxSubscribers;

  @Option(names = "--rate", defaultValue = "1000", paramLabel = "N",
      description = "Requests per second per client before 429 (burst twice as many) (default: ${DEFAULT-VALUE}).")
  int rate;

  @Override
  public Integer call() throws Exception {
    StackConfig config = config();
    DataDirLock lock = DataDirLock.acquire(config.capture().dataDir(), "walflow run");
    ViewStack stack;
    try {
      Ports.requireFree("HTTP API of walflow run", httpHost, httpPort);
      stack = ViewStack.start(config);
    } catch (Exception e) {
      lock.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping: HTTP server, subscriptions, capture, engine");
      stack.close();
      closeQuietly(lock);
      stopped.countDown();
    }, "walflow-shutdown"));
    LOG.info("running: {} database(s), {} view(s), HTTP on {}:{}", config.capture().databases().size(),
        stack.dataflow().views().size(), httpHost, stack.http().port());
    long every = Durations.parse(capture.statusEvery, "--status-every").toMillis();
    while (!stopped.await(every > 0 ? every : 60_000, java.util.concurrent.TimeUnit.MILLISECONDS)) {
      if (every > 0) {
        for (var s : stack.capture().stats()) {
          LOG.info("{}: {} lsn={} durable={} applied={} | views: {} streams, {} subscribers", s.db(), s.state(), s.lsn(),
              s.durableLsn(), stack.appliedLsn(s.db()), stack.views().streams(), stack.views().subscribers());
        }
      }
    }
    return 0;
  }

  static void closeQuietly(DataDirLock lock) {
    try {
      lock.close();
    } catch (java.io.IOException e) {
      LOG.warn("while releasing the data directory's lock: {}", e.toString());
    }
  }

  StackConfig config() throws java.io.IOException {
    Map<String, String> initial = new LinkedHashMap<>();
    for (String v : views) {
      int eq = v.indexOf('=');
      if (eq <= 0 || eq == v.length() - 1) {
        throw new IllegalArgumentException("--view expects NAME=SQL, got '" + v + "'");
      }
      if (initial.put(v.substring(0, eq).strip(), v.substring(eq + 1)) != null) {
        throw new IllegalArgumentException("--view " + v.substring(0, eq) + " is given twice");
      }
    }
    int auths = (token != null ? 1 : 0) + (tokensFile != null ? 1 : 0) + (open ? 1 : 0);
    if (auths != 1) {
      throw new IllegalArgumentException("give exactly one of --token TOKEN, --tokens-file FILE and --open"
          + (auths == 0 ? "" : " (got " + auths + ")"));
    }
    Access access = open ? Access.open() : token != null ? Access.token(token) : Access.fromFile(tokensFile);
    OverflowPolicy policy = switch (overflow.toLowerCase()) {
      case "conflate" -> OverflowPolicy.CONFLATE;
      case "fail" -> OverflowPolicy.FAIL;
      default -> throw new IllegalArgumentException("--overflow must be conflate or fail, got '" + overflow + "'");
    };
    if (workerThreads < 1) {
      throw new IllegalArgumentException("--worker-threads must be at least 1, got " + workerThreads);
    }
    var captureConfig = capture.config();
    Path state = stateDir != null ? stateDir : captureConfig.dataDir().resolve("dataflow");
    return new StackConfig(captureConfig,
        DataflowConfig.defaults(state).withMemoryBound(memoryMb << 20).withWorkerThreads(workerThreads),
        ViewsConfig.defaults().withHistorySize(history).withBuffer(buffer, policy)
            .withProgressInterval(Durations.parse(progressEvery, "--progress-every")),
        HttpConfig.defaults(access).withAddress(httpHost, httpPort).withRate(rate, 2 * rate)
            .withLimits(64 << 10, 16 << 10, maxSubscribers),
        initial, Duration.ofMinutes(5));
  }
}
