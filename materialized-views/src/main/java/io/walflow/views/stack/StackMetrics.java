package io.walflow.views.stack;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.walflow.ingest.Capture;
import io.walflow.ingest.DatabaseStats;
import io.walflow.views.ViewService;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The Prometheus series of {@code walflow run}, served at {@code GET /metrics}: gauges and function
 * counters read capture's {@link DatabaseStats}, the applied positions and the view service on each
 * scrape; timers are fed by the log writer (append latency) and the engine's sink (view update
 * latency).
 */
public final class StackMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  StackMetrics(Collection<String> databases, Capture capture, AppliedSink applied, ViewService views) {
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
      Gauge.builder("walflow.log.bytes", capture, c -> stat(c, db, DatabaseStats::logBytes))
          .tags(tags).baseUnit("bytes").description("Bytes of log entries appended for the database")
          .register(registry);
    }
    Gauge.builder("walflow.views.subscribers", views, ViewService::subscribers)
        .description("Open subscriptions").register(registry);
    Gauge.builder("walflow.views.streams", views, ViewService::streams)
        .description("Shared delta streams (one per view and arguments)").register(registry);
    Timer append = Timer.builder("walflow.log.append").description("Time to append (and force) one batch of entries")
        .publishPercentiles(0.5, 0.99).register(registry);
    DistributionSummary batch = DistributionSummary.builder("walflow.log.append.entries")
        .description("Entry parts per append (the commit window's grouping)").register(registry);
    Timer window = Timer.builder("walflow.log.commit.window")
        .description("From a batch's first entry leaving the writer's queue to durable: commit window plus append")
        .publishPercentiles(0.5, 0.99).register(registry);
    capture.onAppended(a -> {
      append.record(a.appendNanos(), TimeUnit.NANOSECONDS);
      window.record(a.windowNanos(), TimeUnit.NANOSECONDS);
      batch.record(a.entries().size());
    });
    Map<String, Timer> updates = new ConcurrentHashMap<>();
    applied.onApplied((db, nanos) -> updates.computeIfAbsent(db, d -> Timer.builder("walflow.view.update")
        .description("Time the views' engine takes to apply one committed transaction and emit its deltas")
        .tags("db", d).publishPercentiles(0.5, 0.99).register(registry)).record(nanos, TimeUnit.NANOSECONDS));
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

  /** All series in Prometheus' text format. */
  public String scrape() {
    return registry.scrape();
  }
}
