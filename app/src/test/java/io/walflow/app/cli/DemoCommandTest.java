package io.walflow.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walflow.app.Main;
import io.walflow.ingest.capture.ChildProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code walflow demo} as a user runs it (a child JVM): it prints the live page's URL and serves the
 * page; the news site keeps writing, and the four views' watermarks move with it; {@code
 * top_stories} answers (LIMIT 10); SIGTERM stops it all; the database holds what the site wrote.
 * (That the views' rows equal SQLite's is the business of the dataflow and live-page tests.)
 */
class DemoCommandTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  @Test
  void demo_printsItsPage_writes_andItsViewsFollowTheDatabase() throws Exception {
    Path data = dir.resolve("demo");
    Path log = dir.resolve("demo.log");
    Process demo = ChildProcess.start(Main.class, log, "demo", "--data-dir", data.toString(), "--http-port", "0",
        "--open", "--writes-per-second", "50");
    try {
      String base = awaitUrl(log, demo);
      HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("<html").contains("/v1/status");

      long first = lsn(base);
      Set<String> views = new HashSet<>();
      Awaitility.await("the demo's views to move past LSN " + first).atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(200)).until(() -> {
            JsonNode status = JSON.readTree(get(base + "/v1/status"));
            status.path("views").forEach(v -> views.add(v.path("name").asText()));
            return allViewsPast(status, first + 20);
          });
      assertThat(views).containsExactlyInAnyOrder("top_stories", "story", "karma", "latest_comments");
      JsonNode top = JSON.readTree(get(base + "/v1/views/top_stories"));
      assertThat(top.path("rows").size()).isBetween(1, 10);
    } finally {
      demo.destroy(); // SIGTERM: the demo stops its writer, then everything else
      assertThat(demo.waitFor(120, TimeUnit.SECONDS)).as("the demo stops on SIGTERM").isTrue();
    }
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("news.db"));
        Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM votes")) {
      assertThat(rs.getLong(1)).as("the news site wrote votes").isPositive();
    }
  }

  private static boolean allViewsPast(JsonNode status, long lsn) {
    if (status.path("views").size() < 4) {
      return false;
    }
    for (JsonNode v : status.path("views")) {
      if (v.path("watermark").asLong() < lsn) {
        return false;
      }
    }
    return true;
  }

  private static long lsn(String base) throws Exception {
    return JSON.readTree(get(base + "/v1/status")).path("databases").path(0).path("lsn").asLong();
  }

  private static String get(String url) throws Exception {
    HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).as(url + ": " + res.body()).isEqualTo(200);
    return res.body();
  }

  /** The live page's URL from the demo's output. */
  private static String awaitUrl(Path log, Process demo) throws Exception {
    Pattern url = Pattern.compile("live page:\\s+(http://[0-9.]+:[0-9]+)/");
    Matcher m = Awaitility.await("the demo to print its URL").atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofMillis(100)).until(() -> {
          String out = Files.exists(log) ? Files.readString(log) : "";
          assertThat(demo.isAlive()).as("the demo exited:\n" + out).isTrue();
          return url.matcher(out);
        }, Matcher::find);
    return m.group(1);
  }
}
