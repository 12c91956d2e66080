package io.walflow.replica.http;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.walflow.replica.DatabaseStatus;
import io.walflow.replica.RepairStats;
import io.walflow.replica.Replica;
import io.walflow.replica.ReplicaStatus;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * A replica's Prometheus series, served at {@code GET /metrics}: applied LSN and lag per database,
 * repair activity per database (gaps repaired, re-snapshots, entries and bytes fetched, failed
 * attempts), row cache hits, misses and hit rate, rows applied and bytes on disk. Each scrape reads one {@link
 * ReplicaStatus}; databases the replica learns of later get their series at the next scrape.
 */
public final class ReplicaMetrics {
  private final Replica replica;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Set<String> registered = ConcurrentHashMap.newKeySet();
  private volatile ReplicaStatus status;

  public ReplicaMetrics(Replica replica) {
    this.replica = replica;
    this.status = replica.status();
    FunctionCounter.builder("walflow.replica.cache.hits", this, m -> m.status.cacheHits())
        .description("Point reads answered by the row cache").register(registry);
    FunctionCounter.builder("walflow.replica.cache.misses", this, m -> m.status.cacheMisses())
        .description("Point reads that went to RocksDB").register(registry);
    Gauge.builder("walflow.replica.cache.hit.ratio", this, m -> m.status.cacheHitRate())
        .description("Row cache hits / (hits + misses)").register(registry);
    Gauge.builder("walflow.replica.disk", this, m -> m.status.bytesOnDisk()).baseUnit("bytes")
        .description("Bytes of the replica's RocksDB directory").register(registry);
    FunctionCounter.builder("walflow.replica.applied.rows", replica, Replica::appliedRows)
        .description("Row changes applied to the replica").register(registry);
  }

  /** All series in Prometheus' text format, as of now. */
  public synchronized String scrape() {
    status = replica.status();
    for (String db : status.databases().keySet()) {
      if (registered.add(db)) {
        database(db, "walflow.replica.applied.lsn", "Last LSN applied", DatabaseStatus::lsn, null);
        database(db, "walflow.replica.newest.lsn", "Newest LSN seen at the source", DatabaseStatus::newestLsn, null);
        database(db, "walflow.replica.lag.lsns", "LSNs behind the source", DatabaseStatus::lagLsns, null);
        database(db, "walflow.replica.lag", "Time behind the source's newest commit", DatabaseStatus::lagMs,
            "milliseconds");
        repair(db, "walflow.replica.repair.gaps", "Gaps filled from the capture node's log endpoint", RepairStats::gapsRepaired);
        repair(db, "walflow.replica.repair.resnapshots", "Databases reloaded from a fresh snapshot (the gap's range was gone)",
            RepairStats::resnapshots);
        repair(db, "walflow.replica.repair.entries", "Log entries fetched to repair gaps", RepairStats::entriesFetched);
        repair(db, "walflow.replica.repair.bytes", "Bytes fetched to repair gaps", RepairStats::bytesFetched);
        repair(db, "walflow.replica.repair.failures", "Repair attempts that failed (retried)", RepairStats::failures);
      }
    }
    return registry.scrape();
  }

  private void repair(String db, String name, String description, ToDoubleFunction<RepairStats> f) {
    FunctionCounter.builder(name, this, m -> {
      DatabaseStatus d = m.status.databases().get(db);
      return d == null ? 0 : f.applyAsDouble(d.repair());
    }).tag("db", db).description(description).register(registry);
  }

  private void database(String db, String name, String description, ToDoubleFunction<DatabaseStatus> f,
      String unit) {
    Gauge.builder(name, this, m -> {
      DatabaseStatus d = m.status.databases().get(db);
      return d == null ? Double.NaN : f.applyAsDouble(d);
    }).tag("db", db).baseUnit(unit).description(description).register(registry);
  }
}
