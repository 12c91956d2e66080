package io.walflow.views.stack;

import io.walflow.dataflow.Dataflow;
import io.walflow.dataflow.QueryException;
import io.walflow.ingest.Capture;
import io.walflow.ingest.DatabaseStats;
import io.walflow.ingest.feed.ChangeFeed;
import io.walflow.views.ViewService;
import io.walflow.views.http.StatusSource;
import io.walflow.views.http.ViewsHttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The main job in one process: capture of SQLite databases into the local log, a follower feeding
 * the log to the {@link Dataflow} engine, the {@link ViewService} over it and the HTTP server.
 *
 * <p>{@link #start} returns once the server listens and the initial views exist. {@link #close()}
 * stops in order: HTTP server, subscriptions, capture (which appends what is committed), follower,
 * engine.
 */
public final class ViewStack implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ViewStack.class);
  /** How often the replicas' consumer groups are read from Kafka (with --kafka). */
  private static final java.time.Duration REPLICA_STATUS_EVERY = java.time.Duration.ofSeconds(2);
  private final StackConfig config;
  private final Capture capture;
  private final Dataflow dataflow;
  private final AppliedSink applied;
  private final LogFollower follower;
  private final ViewService views;
  private final ViewsHttpServer http;
  private final StackMetrics metrics;
  private final Optional<ReplicaGroups> replicas;

  private ViewStack(StackConfig config, Capture capture, Dataflow dataflow, AppliedSink applied, LogFollower follower,
      ViewService views, ViewsHttpServer http, StackMetrics metrics, Optional<ReplicaGroups> replicas) {
    this.metrics = metrics;
    this.replicas = replicas;
    this.config = config;
    this.capture = capture;
    this.dataflow = dataflow;
    this.applied = applied;
    this.follower = follower;
    this.views = views;
    this.http = http;
  }

  /**
   * Starts everything and creates the initial views.
   *
   * @throws IllegalArgumentException when an initial view's SQL is not supported (names the view)
   * @throws IllegalStateException when a database's snapshot is not applied within the start timeout
   */
  public static ViewStack start(StackConfig config) throws IOException, InterruptedException {
    Dataflow dataflow = Dataflow.open(config.dataflow());
    AppliedSink applied = new AppliedSink(dataflow);
    Capture capture = null;
    LogFollower follower = null;
    ViewService views = null;
    Optional<ReplicaGroups> replicas = Optional.empty();
    try {
      capture = Capture.start(config.capture());
      follower = new LogFollower(config.capture().dataDir(),
          new ChangeFeed(config.capture().dataDir().resolve("tmp"), applied));
      LogFollower f = follower;
      capture.onDurable((db, lsn, nanos) -> f.wake());
      follower.start();
      awaitSnapshots(config, applied, capture, follower);
      for (Map.Entry<String, String> v : config.initialViews().entrySet()) {
        try {
          dataflow.createView(v.getKey(), v.getValue());
        } catch (QueryException e) {
          throw new IllegalArgumentException("view '" + v.getKey() + "': " + e.getMessage(), e);
        }
        LOG.info("view '{}': {}", v.getKey(), v.getValue());
      }
      views = new ViewService(dataflow, config.views());
      replicas = config.capture().kafka().map(k -> new ReplicaGroups(k.bootstrapServers(), k.topic(), REPLICA_STATUS_EVERY));
      StackMetrics metrics = new StackMetrics(config.capture().databases().keySet(), capture, applied, views, dataflow,
          replicas);
      ViewsHttpServer http = ViewsHttpServer.start(views, config.http(), new StackStatus(capture, applied,
          config.capture().dataDir(), replicas), metrics::scrape);
      return new ViewStack(config, capture, dataflow, applied, follower, views, http, metrics, replicas);
    } catch (IOException | InterruptedException | RuntimeException e) {
      replicas.ifPresent(ReplicaGroups::close);
      closeQuietly(views, follower, capture, dataflow);
      throw e;
    }
  }

  private static void awaitSnapshots(StackConfig config, AppliedSink applied, Capture capture, LogFollower follower)
      throws InterruptedException {
    long deadline = System.nanoTime() + config.startTimeout().toNanos();
    for (String db : config.capture().databases().keySet()) {
      while (applied.applied(db) < 0) {
        if (follower.failure().isPresent()) {
          throw new IllegalStateException("the log follower failed: " + follower.failure().get());
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("database '" + db + "' has no snapshot applied after "
              + config.startTimeout() + " (capture: " + capture.stats() + ")");
        }
        Thread.sleep(10);
      }
    }
  }

  public Capture capture() {
    return capture;
  }

  public Dataflow dataflow() {
    return dataflow;
  }

  public ViewService views() {
    return views;
  }

  public ViewsHttpServer http() {
    return http;
  }

  /** The series served at {@code GET /metrics}. */
  public StackMetrics metrics() {
    return metrics;
  }

  /** The last LSN of {@code db} applied to the engine, or -1. */
  public long appliedLsn(String db) {
    return applied.applied(db);
  }

  /** The follower's failure, if it stopped. */
  public java.util.Optional<Throwable> followerFailure() {
    return follower.failure();
  }

  @Override
  public void close() {
    http.close();
    replicas.ifPresent(ReplicaGroups::close);
    closeQuietly(views, follower, capture, dataflow);
  }

  private static void closeQuietly(ViewService views, LogFollower follower, Capture capture, Dataflow dataflow) {
    List<AutoCloseable> order = new ArrayList<>();
    order.add(views);
    order.add(capture);
    order.add(follower);
    order.add(dataflow);
    for (AutoCloseable c : order) {
      if (c == null) {
        continue;
      }
      try {
        c.close();
      } catch (Exception e) {
        LOG.error("while closing {}: {}", c.getClass().getSimpleName(), e.toString());
      }
    }
  }

  /** Status from capture's figures, the follower's positions and the log directory's size. */
  private record StackStatus(Capture capture, AppliedSink applied, Path dataDir, Optional<ReplicaGroups> groups)
      implements StatusSource {
    @Override
    public Map<String, ReplicaStatus> replicas() {
      return groups.map(ReplicaGroups::replicas).orElse(Map.of());
    }

    @Override
    public List<DatabaseStatus> databases() {
      List<DatabaseStatus> out = new ArrayList<>();
      for (DatabaseStats s : capture.stats()) {
        out.add(new DatabaseStatus(s.db(), s.state(), s.lsn(), s.durableLsn(), applied.applied(s.db()),
            s.lastCommitAgeMillis()));
      }
      return out;
    }

    @Override
    public long logBytes() {
      Path log = dataDir.resolve("log");
      if (!Files.isDirectory(log)) {
        return 0;
      }
      try (Stream<Path> files = Files.walk(log)) {
        return files.filter(Files::isRegularFile).mapToLong(p -> {
          try {
            return Files.size(p);
          } catch (IOException e) {
            return 0;
          }
        }).sum();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot size the log in " + log, e);
      }
    }
  }
}
