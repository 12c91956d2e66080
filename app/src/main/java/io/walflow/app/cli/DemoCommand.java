package io.walflow.app.cli;

import io.walflow.app.demo.NewsSite;
import io.walflow.views.stack.ViewStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code walflow demo}: a news site writing to SQLite, captured, with live views and the live page,
 * in one process until SIGINT/SIGTERM. No Kafka needed.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Creates a sample news-site database (users, stories, votes, comments), writes to it like its "
        + "users would, and runs `walflow run` on it with a few views (top stories, a story page by parameter, "
        + "karma per user, latest comments). Prints the live page's URL; runs until SIGINT or SIGTERM."})
public final class DemoCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(DemoCommand.class);

  @Option(names = "--data-dir", defaultValue = "walflow-demo", paramLabel = "DIR",
      description = "Where the demo database (news.db), the log and the engine's state live (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--http-host", defaultValue = "127.0.0.1", paramLabel = "HOST",
      description = "Address the HTTP API and live page bind (default: ${DEFAULT-VALUE}).")
  String httpHost;

  @Option(names = "--http-port", defaultValue = "8080", paramLabel = "PORT",
      description = "Port of the HTTP API and live page (default: ${DEFAULT-VALUE}).")
  int httpPort;

  @Option(names = "--writes-per-second", defaultValue = "20", paramLabel = "N",
      description = "Transactions the news site commits per second (default: ${DEFAULT-VALUE}).")
  int writesPerSecond;

  @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
      description = "Seed of the site's activity (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--token", paramLabel = "TOKEN",
      description = "Bearer token of the API (default: a random one, printed with the page's URL).")
  String token;

  @Option(names = "--open", description = "No authentication: local development only (announced loudly).")
  boolean open;

  @Option(names = "--kafka", paramLabel = "BOOTSTRAP", description = "Also publish the log to Kafka (as capture --kafka).")
  String kafka;

  @Option(names = "--kafka-replication", paramLabel = "N", description = "Replication factor of a topic capture creates (default: 1).")
  Integer kafkaReplication;

  @Option(names = "--durability", paramLabel = "local|fsync|kafka", description = "As for capture (default: local).")
  String durability;

  @Override
  public Integer call() throws Exception {
    if (open && token != null) {
      throw new IllegalArgumentException("--open and --token exclude each other");
    }
    Path db = dataDir.resolve("news.db");
    String secret = open ? null : token != null ? token : newToken();
    List<String> args = new ArrayList<>(List.of("--db", "news=" + db, "--data-dir", dataDir.resolve("data").toString(),
        "--http-host", httpHost, "--http-port", Integer.toString(httpPort)));
    if (open) {
      args.add("--open");
    } else {
      args.addAll(List.of("--token", secret));
    }
    for (Map.Entry<String, String> v : NewsSite.VIEWS.entrySet()) {
      args.addAll(List.of("--view", v.getKey() + "=" + v.getValue().replace('\n', ' ')));
    }
    if (kafka != null) {
      args.addAll(List.of("--kafka", kafka));
    }
    if (kafkaReplication != null) {
      args.addAll(List.of("--kafka-replication", kafkaReplication.toString()));
    }
    if (durability != null) {
      args.addAll(List.of("--durability", durability));
    }
    RunCommand run = new RunCommand();
    new CommandLine(run).parseArgs(args.toArray(String[]::new));

    DataDirLock lock = DataDirLock.acquire(dataDir, "walflow demo");
    ViewStack stack;
    try {
      Ports.requireFree("HTTP API and live page of walflow demo", httpHost, httpPort);
      try (NewsSite site = NewsSite.open(db, seed)) {
        LOG.info("news site database {} ready", db);
      }
      stack = ViewStack.start(run.config());
    } catch (Exception e) {
      lock.close();
      throw e;
    }
    Thread writer = new Thread(() -> {
      try (NewsSite site = NewsSite.open(db, seed)) {
        site.run(writesPerSecond, 0);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        LOG.error("the demo's writer stopped: {}", e.getMessage(), e);
      }
    }, "demo-writer");
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      writer.interrupt();
      try {
        writer.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      stack.close();
      RunCommand.closeQuietly(lock);
      stopped.countDown();
    }, "walflow-demo-shutdown"));
    writer.start();
    String host = httpHost.equals("0.0.0.0") ? "localhost" : httpHost;
    String url = "http://" + host + ":" + stack.http().port() + "/" + (secret == null ? "" : "#token=" + secret);
    System.out.println();
    System.out.println("walflow demo: the news site is writing " + writesPerSecond + " transactions/s to " + db);
    System.out.println("  live page:  " + url);
    if (secret != null) {
      System.out.println("  API:        curl -H 'Authorization: Bearer " + secret + "' http://" + host + ":"
          + stack.http().port() + "/v1/views/top_stories");
    }
    System.out.println("  Ctrl-C stops it.");
    System.out.println();
    while (!stopped.await(10, TimeUnit.SECONDS)) {
      for (var s : stack.capture().stats()) {
        LOG.info("{}: lsn={} applied={} | {} subscribers", s.db(), s.lsn(), stack.appliedLsn(s.db()),
            stack.views().subscribers());
      }
    }
    return 0;
  }

  private static String newToken() {
    byte[] b = new byte[16];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
