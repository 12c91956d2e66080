package io.walflow.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walflow.replica.Replica;
import io.walflow.replica.ReplicaConfig;
import io.walflow.replica.source.KafkaSource;
import io.walflow.testkit.KafkaFixture;
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
import java.util.Optional;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code walflow run --kafka}: the regional replicas reading the topic appear in {@code /v1/status}
 * (which the live page shows) and {@code /metrics}, from their Kafka consumer groups, with their
 * lag; against the testkit's real broker and a real replica consuming the topic.
 */
class ReplicaGroupsStatusTest {
  private static final String TOKEN = "replica-groups-status-token";
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  @Test
  void replicasConsumingTheTopic_showTheirGroupAndLag() throws Exception {
    String bootstrap = KafkaFixture.bootstrap();
    String suffix = Long.toHexString(System.nanoTime());
    String topic = "walflow.groups." + suffix;
    String region = "eu-" + suffix;
    Path db = dir.resolve("app.db");
    String url = "jdbc:sqlite:" + db;
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
      st.execute("PRAGMA journal_mode=WAL");
      st.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    }
    RunCommand run = new RunCommand();
    new CommandLine(run).parseArgs("--db", "app=" + db, "--data-dir", dir.resolve("data").toString(), "--http-port", "0",
        "--token", TOKEN, "--kafka", bootstrap, "--kafka-topic", topic, "--kafka-partitions", "2");
    try (ViewStack stack = ViewStack.start(run.config());
        Replica replica = Replica.open(ReplicaConfig.of(region, dir.resolve("replica")))) {
      String base = "http://127.0.0.1:" + stack.http().port();
      for (int i = 0; i < 20; i++) {
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
          st.execute("INSERT INTO t VALUES (" + i + ", 'v" + i + "')");
        }
      }
      replica.start(new KafkaSource(bootstrap, topic, region), Optional.empty());
      JsonNode status = await(base + "/v1/status", s -> s.path("replicas").has(region)
          && s.path("replicas").path(region).path("lagRecords").asLong(-1) == 0
          && s.path("replicas").path(region).path("members").asInt() == 1);
      JsonNode r = status.path("replicas").path(region);
      assertThat(r.path("group").asText()).isEqualTo("walflow-replica-" + region);
      assertThat(r.path("state").asText()).isEqualTo("stable");
      assertThat(r.path("partitions").asInt()).isPositive();

      String metrics = get(base + "/metrics");
      assertThat(metrics).contains("walflow_replica_group_lag_records{region=\"" + region + "\"} 0.0")
          .contains("walflow_replica_group_members{region=\"" + region + "\"} 1.0");
    }
  }

  private static String get(String url) throws Exception {
    HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create(url))
        .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).as(url + ": " + res.body()).isEqualTo(200);
    return res.body();
  }

  private static JsonNode await(String url, Predicate<JsonNode> ready) throws Exception {
    return Awaitility.await("the replica caught up in " + url).atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200)).until(() -> JSON.readTree(get(url)), ready);
  }
}
