package io.walflow.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.replica.Replica;
import io.walflow.replica.ReplicaConfig;
import io.walflow.replica.http.HttpSettings;
import io.walflow.replica.http.ReplicaHttpServer;
import io.walflow.replica.source.LocalLogSource;
import io.walflow.views.stack.ViewStack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code GET /metrics} of {@code walflow run} and of a replica after real work (commits captured,
 * views updated, lookups that hit and miss, a live subscriber, replica reads through the cache):
 * every series issue 8 names is there, and those the work exercised are above zero.
 */
class MetricsScrapeTest {
  private static final String TOKEN = "metrics-scrape-test-token";
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir Path dir;

  @Test
  void runAndReplicaMetrics_afterRealActivity() throws Exception {
    Path db = dir.resolve("news.db");
    String url = "jdbc:sqlite:" + db;
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
      st.execute("PRAGMA journal_mode=WAL");
      st.execute("CREATE TABLE stories (id INTEGER PRIMARY KEY, author TEXT NOT NULL, votes INTEGER NOT NULL)");
      st.execute("INSERT INTO stories VALUES (1, 'ann', 3), (2, 'bob', 5)");
    }
    RunCommand run = new RunCommand();
    new CommandLine(run).parseArgs("--db", "news=" + db, "--data-dir", dir.resolve("data").toString(), "--http-port", "0",
        "--token", TOKEN, "--status-every", "0",
        "--view", "by_author=SELECT id, votes FROM stories WHERE author = ?",
        "--view", "karma=SELECT author, SUM(votes) AS karma FROM stories GROUP BY author");
    try (ViewStack stack = ViewStack.start(run.config())) {
      String base = "http://127.0.0.1:" + stack.http().port();
      CompletableFuture<HttpResponse<Stream<String>>> subscriber = HTTP.sendAsync(
          request(base + "/v1/views/karma/subscribe"), HttpResponse.BodyHandlers.ofLines());
      for (int i = 3; i < 40; i++) {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
          st.execute("INSERT INTO stories VALUES (" + i + ", '" + (i % 2 == 0 ? "ann" : "bob") + "', " + i + ")");
        }
      }
      awaitMetrics(base + "/metrics", s -> value(s, "walflow_view_update_seconds_count{db=\"news\"}") >= 37);
      get(base + "/v1/views/by_author?arg=ann"); // a miss: the key is filled by an upquery
      get(base + "/v1/views/by_author?arg=ann"); // a hit
      Map<String, Double> m = awaitMetrics(base + "/metrics", s -> value(s, "walflow_views_subscribers") >= 1);
      assertThat(value(m, "walflow_capture_commits_total{db=\"news\"}")).isGreaterThanOrEqualTo(37);
      assertThat(m).containsKeys("walflow_capture_lag_lsns{db=\"news\"}", "walflow_capture_last_commit_age_milliseconds{db=\"news\"}");
      assertThat(value(m, "walflow_log_append_seconds_count")).isPositive();
      assertThat(value(m, "walflow_log_commit_window_seconds_count")).isPositive();
      assertThat(histogramTotal(m, "walflow_log_commit_window_seconds_bucket")).isPositive();
      assertThat(histogramTotal(m, "walflow_view_update_seconds_bucket")).isGreaterThanOrEqualTo(37);
      assertThat(value(m, "walflow_view_reader_hits_total")).isPositive();
      assertThat(value(m, "walflow_view_reader_misses_total")).isPositive();
      assertThat(value(m, "walflow_view_reader_hit_ratio")).isBetween(0.0, 1.0);
      assertThat(value(m, "walflow_view_partial_state_bytes")).isPositive();
      assertThat(m).containsKey("walflow_view_reader_evictions_total");
      assertThat(value(m, "walflow_views_subscribers")).isGreaterThanOrEqualTo(1);
      subscriber.cancel(true);

      try (Replica replica = Replica.open(ReplicaConfig.of("eu", dir.resolve("replica")))) {
        replica.start(new LocalLogSource(dir.resolve("data")), Optional.empty());
        try (ReplicaHttpServer server = ReplicaHttpServer.start(replica,
            new HttpSettings("127.0.0.1", 0, Set.of(TOKEN), false, HttpSettings.DEFAULT_MAX_URI))) {
          String rbase = server.baseUrl();
          awaitMetrics(rbase + "/metrics", s -> value(s, "walflow_replica_applied_lsn{db=\"news\"}") >= 37);
          get(rbase + "/v1/replica/news/stories/7"); // a cache miss, read from RocksDB
          get(rbase + "/v1/replica/news/stories/7"); // a cache hit
          Map<String, Double> r = awaitMetrics(rbase + "/metrics", s -> value(s, "walflow_replica_cache_hits_total") >= 1);
          assertThat(value(r, "walflow_replica_cache_misses_total")).isPositive();
          assertThat(value(r, "walflow_replica_cache_hit_ratio")).isBetween(0.0, 1.0).isPositive();
          assertThat(value(r, "walflow_replica_applied_rows_total")).isGreaterThanOrEqualTo(39);
          assertThat(m).isNotEmpty();
          assertThat(r).containsKeys("walflow_replica_lag_lsns{db=\"news\"}", "walflow_replica_lag_milliseconds{db=\"news\"}",
              "walflow_replica_repair_gaps_total{db=\"news\"}", "walflow_replica_repair_resnapshots_total{db=\"news\"}",
              "walflow_replica_repair_bytes_total{db=\"news\"}", "walflow_replica_repair_failures_total{db=\"news\"}",
              "walflow_replica_divergence_buckets_diverged_total{db=\"news\"}",
              "walflow_replica_divergence_rows_total{db=\"news\"}");
        }
      }
    }
  }

  private static HttpRequest request(String url) {
    return HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + TOKEN).build();
  }

  private static String get(String url) throws Exception {
    HttpResponse<String> res = HTTP.send(request(url), HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).as(url + ": " + res.body()).isEqualTo(200);
    return res.body();
  }

  /** Scrapes until {@code ready} holds (generous deadline), returning the samples by name and labels. */
  private static Map<String, Double> awaitMetrics(String url, Predicate<Map<String, Double>> ready) throws Exception {
    return Awaitility.await("metrics at " + url).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
        .until(() -> parse(get(url)), ready);
  }

  private static Map<String, Double> parse(String text) {
    Map<String, Double> m = new HashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      m.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
    return m;
  }

  private static double value(Map<String, Double> m, String series) {
    return m.getOrDefault(series, Double.NaN);
  }

  /** The count in the histogram's +Inf bucket (summed over label sets). */
  private static double histogramTotal(Map<String, Double> m, String bucket) {
    return m.entrySet().stream().filter(e -> e.getKey().startsWith(bucket) && e.getKey().contains("le=\"+Inf\""))
        .mapToDouble(Map.Entry::getValue).sum();
  }
}
