package io.walflow.views.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.walflow.dataflow.DataflowConfig;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.capture.SqliteOracle;
import io.walflow.views.ViewsConfig;
import io.walflow.views.stack.StackConfig;
import io.walflow.views.stack.ViewStack;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /metrics} of the whole stack on a real SQLite database: refused without the token,
 * Prometheus' text format with it, and the series follow commits (commits captured, applied LSN,
 * append and view update latencies, subscribers).
 */
class MetricsHttpTest {
  private static final String TOKEN = "metrics-test-token-0123456789";
  @TempDir Path dir;

  @Test
  void metrics_areTokenProtectedPrometheusTextAndFollowCommits() throws Exception {
    Path db = dir.resolve("app.db");
    try (Connection w = SqliteOracle.open(db); Statement st = w.createStatement()) {
      st.execute("PRAGMA journal_mode=WAL");
      st.execute("CREATE TABLE items(id INTEGER PRIMARY KEY, v INTEGER)");
      st.execute("INSERT INTO items VALUES (1, 10)");
      StackConfig config = new StackConfig(CaptureConfig.defaults(dir.resolve("data")).withDatabase("app", db),
          DataflowConfig.defaults(dir.resolve("state")), ViewsConfig.defaults(),
          HttpConfig.defaults(Access.token(TOKEN)), Map.of("all", "SELECT id, v FROM items"), Duration.ofSeconds(60));
      try (ViewStack stack = ViewStack.start(config)) {
        URI metrics = URI.create("http://127.0.0.1:" + stack.http().port() + "/metrics");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        assertThat(http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString())
            .statusCode()).isEqualTo(401);

        long start = stack.appliedLsn("app");
        for (int i = 2; i <= 6; i++) {
          st.execute("INSERT INTO items VALUES (" + i + ", " + i * 10 + ")");
        }
        long last = start + 5; // one LSN per commit
        stack.capture().awaitDurable("app", last).get(60, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(60)).until(() -> stack.appliedLsn("app") >= last);

        HttpResponse<String> r = http.send(HttpRequest.newBuilder(metrics).header("Authorization", "Bearer " + TOKEN)
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        String text = r.body();
        System.out.println(text);
        assertThat(text).contains("# TYPE walflow_capture_commits_total counter");
        assertThat(value(text, "walflow_capture_commits_total{db=\"app\"}")).isGreaterThanOrEqualTo(5);
        assertThat(value(text, "walflow_applied_lsn{db=\"app\"}")).isGreaterThanOrEqualTo(last);
        assertThat(value(text, "walflow_capture_lsn{db=\"app\"}")).isGreaterThanOrEqualTo(last);
        assertThat(value(text, "walflow_capture_lag_lsns{db=\"app\"}")).isGreaterThanOrEqualTo(0);
        assertThat(value(text, "walflow_capture_last_commit_age_milliseconds{db=\"app\"}")).isGreaterThanOrEqualTo(0);
        assertThat(value(text, "walflow_capture_stalls_total{db=\"app\"}")).isEqualTo(0);
        assertThat(value(text, "walflow_capture_wal_frames_behind{db=\"app\"}")).isBetween(-1.0, 1e9);
        assertThat(value(text, "walflow_log_append_seconds_count")).isGreaterThan(0);
        assertThat(value(text, "walflow_log_commit_window_seconds_count")).isGreaterThan(0);
        assertThat(value(text, "walflow_log_append_entries_count")).isGreaterThan(0);
        assertThat(value(text, "walflow_view_update_seconds_count{db=\"app\"}")).isGreaterThanOrEqualTo(5);
        assertThat(value(text, "walflow_views_subscribers")).isEqualTo(0);
        assertThat(value(text, "walflow_views_streams")).isEqualTo(0);
      }
    }
  }

  /** The value of the sample whose name and labels start with {@code series}. */
  static double value(String text, String series) {
    String name = series.contains("{") ? series.substring(0, series.indexOf('{')) : series;
    String labels = series.contains("{") ? series.substring(series.indexOf('{') + 1, series.length() - 1) : "";
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{([^}]*)\\})? (\\S+)$").matcher(text);
    while (m.find()) {
      if (labels.isEmpty() || (m.group(2) != null && m.group(2).contains(labels))) {
        return Double.parseDouble(m.group(3));
      }
    }
    throw new AssertionError("no series " + series + " in:\n" + text);
  }
}
