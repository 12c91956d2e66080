package io.walflow.ingest;

import io.walflow.ingest.capture.CaptureService;
import io.walflow.ingest.capture.ChangeEncoder;
import io.walflow.ingest.capture.DecodingChangeEncoder;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A running capture: follows the configured SQLite databases and appends every committed
 * transaction to the log in {@code dataDir}.
 *
 * <pre>{@code
 * try (Capture c = Capture.start(CaptureConfig.defaults(dir).withDatabase("app", Path.of("app.db")))) {
 *   c.awaitDurable("app", 42).join();   // LSN 42 of "app" is in the log
 * }
 * }</pre>
 *
 * <p>{@link #close()} reads what is committed at that moment, appends it, and stops.
 */
public final class Capture implements AutoCloseable {
  private final CaptureService service;
  private final CaptureConfig config;

  private Capture(CaptureService service, CaptureConfig config) {
    this.service = service;
    this.config = config;
  }

  /**
   * Starts capturing. Returns once capture threads run; snapshots and resumption happen in the
   * background (see {@link #stats()}).
   *
   * @throws IOException when the log cannot be opened
   * @throws IllegalArgumentException for an invalid configuration
   */
  public static Capture start(CaptureConfig config) throws IOException {
    return start(config, db -> config.decodeChanges() ? new DecodingChangeEncoder(db) : ChangeEncoder.NONE);
  }

  /** Starts capturing, storing changes made by the given encoder for each database. */
  public static Capture start(CaptureConfig config, Function<String, ChangeEncoder> encoders) throws IOException {
    return new Capture(CaptureService.start(config, encoders), config);
  }

  /**
   * Starts capturing with the default change decoding, publishing divergence digests as {@code
   * digests} says (docs/log-format.md section 11; none without decoded changes).
   */
  public static Capture start(CaptureConfig config, DigestSettings digests) throws IOException {
    return new Capture(CaptureService.start(config,
        db -> config.decodeChanges() ? new DecodingChangeEncoder(db) : ChangeEncoder.NONE, digests), config);
  }

  /**
   * A future that completes with {@code lsn} when that LSN of {@code db} is durable at the
   * configured level, or exceptionally if capture fails first.
   */
  public CompletableFuture<Long> awaitDurable(String db, long lsn) {
    return service.reportedDurability().awaitDurable(db, lsn);
  }

  /** The highest durable LSN of {@code db}, or -1. */
  public long durableLsn(String db) {
    return service.reportedDurability().durableLsn(db);
  }

  /** Figures for every database. */
  public List<DatabaseStats> stats() {
    return service.stats();
  }

  /**
   * The highest LSN of {@code db} that Kafka acknowledged (whatever the durability level), or -1
   * (also when capture does not publish to Kafka).
   */
  public long publishedLsn(String db) {
    return service.stats().stream().filter(s -> s.db().equals(db)).mapToLong(DatabaseStats::publishedLsn)
        .findFirst().orElse(-1);
  }

  /**
   * Why Kafka publishing is not progressing (broker unreachable, a failed batch), or empty when it
   * is, or when capture does not publish to Kafka. Capture keeps appending locally meanwhile.
   */
  public Optional<String> kafkaProblem() {
    return service.publisher().flatMap(p -> p.problem());
  }

  /** The first error that stopped a database or the log writer. */
  public Optional<Throwable> failure() {
    return service.failure();
  }

  /**
   * Registers a listener told, on the log writer's thread, of every entry made durable: database,
   * LSN and {@link System#nanoTime()} at which it became durable. Must be quick.
   */
  public void onDurable(DurableListener listener) {
    if (config.durability() == Durability.KAFKA) {
      service.publisher().orElseThrow().addListener(listener::durable);
      return;
    }
    service.writer().addListener(a -> {
      for (var s : a.entries()) {
        if (s.lastPart()) {
          listener.durable(s.db(), s.lsn(), a.durableAtNanos());
        }
      }
    });
  }

  /**
   * Registers a listener told, on the log writer's thread, of every append to the local log (its
   * entries and how long the append took), for metrics. Must be quick.
   */
  public void onAppended(java.util.function.Consumer<io.walflow.ingest.log.LogWriter.Appended> listener) {
    service.writer().addListener(listener);
  }

  /** See {@link #onDurable}. */
  @FunctionalInterface
  public interface DurableListener {
    void durable(String db, long lsn, long nanoTime);
  }

  /** Runs log retention now; returns the files removed. */
  public List<java.nio.file.Path> retain() {
    return service.retain();
  }

  @Override
  public void close() throws IOException {
    service.close();
  }
}
