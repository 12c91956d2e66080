package io.walflow.views.stack;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.walflow.dataflow.Dataflow;
import io.walflow.ingest.Capture;
import io.walflow.ingest.DatabaseStats;
import io.walflow.views.ViewService;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import io.walflow.views.http.StatusSource.ReplicaStatus;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The Prometheus series of {@code walflow run}, served at {@code GET /metrics}: gauges and function
 * counters read capture's {@link DatabaseStats}, the applied positions, the engine's readers and
 * the view service on each scrape; timers are fed by the log writer (append and commit-window
 * latency) and the engine's sink (view update latency), and publish Prometheus histograms
 * ({@code _bucket} series) beside their p50 and p99. With Kafka, each regional replica's consumer
 * group gets its lag and member gauges at the first scrape after it appears.
 */
public final class StackMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Optional<ReplicaGroups> replicas;
  private final Set<String> regions = ConcurrentHashMap.newKeySet();

  StackMetrics(Collection<String> databases, Capture capture, AppliedSink applied, ViewService views, Dataflow engine,
      Optional<ReplicaGroups> replicas) {
    this.replicas = replicas;
    for (String db : databases) {
      Tags tags = Tags.of("db", db);
      FunctionCounter.builder("walflow.capture.commits", capture, c -> stat(c, db, DatabaseStats::commits))
          .tags(tags).description("Transactions captured from the database's WAL").register(registry);
      FunctionCounter.builder("walflow.capture.frames", capture, c -> stat(c, db, DatabaseStats::frames))
          .tags(tags).description("WAL frames read").register(registry);
      Gauge.builder("walflow.capture.lsn", capture, c -> stat(c, db, DatabaseStats::lsn))
          .tags(tags).description("Last LSN captured").register(registry);
      Gauge.builder("walflow.capture.durable.lsn", capture, c -> stat(c, db, DatabaseStats::durableLsn))
          .tags(tags).description("Last LSN durable in the log").register(registry);
      Gauge.builder("walflow.applied.lsn", applied, a -> a.applied(db))
          .tags(tags).description("Last LSN applied to the views' engine (-1 before the first snapshot)")
          .register(registry);
      Gauge.builder("walflow.capture.lag.lsns", capture,
              c -> Math.max(0, stat(c, db, DatabaseStats::lsn) - applied.applied(db)))
          .tags(tags).description("LSNs captured but not yet applied to the views").register(registry);
      Gauge.builder("walflow.capture.last.commit.age", capture, c -> stat(c, db, DatabaseStats::lastCommitAgeMillis))
          .tags(tags).baseUnit("milliseconds").description("Time since the database's last captured commit")
          .register(registry);
      Gauge.builder("walflow.capture.wal.frames.behind", capture, c -> stat(c, db, DatabaseStats::walFramesBehind))
          .tags(tags).description("Committed WAL frames (by SQLite's wal-index) capture had not read at its last idle "
              + "check; -1 unknown").register(registry);
      FunctionCounter.builder("walflow.capture.stalls", capture, c -> stat(c, db, DatabaseStats::stalls))
          .tags(tags).description("Times capture found itself behind SQLite's committed frames without reading on "
              + "(each followed by a resynchronisation snapshot)").register(registry);
      Gauge.builder("walflow.log.bytes", capture, c -> stat(c, db, DatabaseStats::logBytes))
          .tags(tags).baseUnit("bytes").description("Bytes of log entries appended for the database")
          .register(registry);
    }
    Gauge.builder("walflow.views.subscribers", views, ViewService::subscribers)
        .description("Open subscriptions").register(registry);
    Gauge.builder("walflow.views.streams", views, ViewService::streams)
        .description("Shared delta streams (one per view and arguments)").register(registry);
    FunctionCounter.builder("walflow.view.reader.hits", engine, Dataflow::readerHits)
        .description("View lookups answered from the reader's state").register(registry);
    FunctionCounter.builder("walflow.view.reader.misses", engine, Dataflow::upqueries)
        .description("View lookups and subscriptions that missed and filled their key with an upquery").register(registry);
    Gauge.builder("walflow.view.reader.hit.ratio", engine, e -> ratio(e.readerHits(), e.upqueries()))
        .description("Reader hits / (hits + misses); NaN before the first lookup").register(registry);
    FunctionCounter.builder("walflow.view.reader.evictions", engine, Dataflow::evictions)
        .description("Partial keys evicted under the memory bound").register(registry);
    Gauge.builder("walflow.view.partial.state", engine, Dataflow::partialStateBytes).baseUnit("bytes")
        .description("Estimated heap bytes of the partial keys held (what --memory-mb bounds)").register(registry);
    Gauge.builder("walflow.view.state", engine, Dataflow::stateBytes).baseUnit("bytes")
        .description("Estimated heap bytes of all operator state").register(registry);
    Timer append = Timer.builder("walflow.log.append").description("Time to append (and force) one batch of entries")
        .publishPercentiles(0.5, 0.99).publishPercentileHistogram().register(registry);
    DistributionSummary batch = DistributionSummary.builder("walflow.log.append.entries")
        .description("Entry parts per append (the commit window's grouping)").register(registry);
    Timer window = Timer.builder("walflow.log.commit.window")
        .description("From a batch's first entry leaving the writer's queue to durable: commit window plus append")
        .publishPercentiles(0.5, 0.99).publishPercentileHistogram().register(registry);
    capture.onAppended(a -> {
      append.record(a.appendNanos(), TimeUnit.NANOSECONDS);
      window.record(a.windowNanos(), TimeUnit.NANOSECONDS);
      batch.record(a.entries().size());
    });
    Map<String, Timer> updates = new ConcurrentHashMap<>();
    applied.onApplied((db, nanos) -> updates.computeIfAbsent(db, d -> Timer.builder("walflow.view.update")
        .description("Time the views' engine takes to apply one committed transaction and emit its deltas")
        .tags("db", d).publishPercentiles(0.5, 0.99).publishPercentileHistogram().register(registry))
        .record(nanos, TimeUnit.NANOSECONDS));
  }

  private static double replicaFigure(ReplicaGroups groups, String region, ToDoubleFunction<ReplicaStatus> f) {
    ReplicaStatus s = groups.replicas().get(region);
    return s == null ? Double.NaN : f.applyAsDouble(s);
  }

  private static double ratio(long hits, long misses) {
    return hits + misses == 0 ? Double.NaN : hits / (double) (hits + misses);
  }

  private static double stat(Capture capture, String db, ToDoubleFunction<DatabaseStats> f) {
    for (DatabaseStats s : capture.stats()) {
      if (s.db().equals(db)) {
        return f.applyAsDouble(s);
      }
    }
    return Double.NaN;
  }

  /** The registry, for more series. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** All series in Prometheus' text format; regions seen for the first time get their series. */
  public String scrape() {
    replicas.ifPresent(r -> r.replicas().keySet().forEach(region -> {
      if (regions.add(region)) {
        Gauge.builder("walflow.replica.group.lag", r, g -> replicaFigure(g, region, ReplicaStatus::lagRecords))
            .tag("region", region).baseUnit("records")
            .description("Records of the log's Kafka topic the region's replica has not consumed (its consumer group's lag)")
            .register(registry);
        Gauge.builder("walflow.replica.group.members", r, g -> replicaFigure(g, region, ReplicaStatus::members))
            .tag("region", region).description("Consumers in the region's replica group").register(registry);
      }
    }));
    return registry.scrape();
  }
}
