package io.walflow.replica;

import static io.walflow.replica.Changes.col;
import static io.walflow.replica.Changes.create;
import static io.walflow.replica.Changes.insert;
import static io.walflow.replica.Changes.row;
import static io.walflow.replica.Changes.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walflow.ingest.change.Op;
import io.walflow.ingest.change.RowChange;
import io.walflow.ingest.change.Value;
import io.walflow.ingest.feed.TransactionSink;
import io.walflow.replica.client.ReplicaClient;
import io.walflow.replica.client.ReplicaHttpException;
import io.walflow.replica.http.HttpSettings;
import io.walflow.replica.http.ReplicaHttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API and {@code ReplicaClient}: reads, auth, and every error answer. */
class ReplicaHttpTest {
  private static final Instant T = Instant.parse("2026-01-02T03:04:05Z");
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  Replica replica;
  ReplicaHttpServer server;
  ReplicaClient client;
  HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() {
    replica = Replica.open(ReplicaConfig.of("eu", dir));
    TransactionSink sink = replica.sink();
    sink.snapshotBegin("app", 0, T);
    sink.snapshotChange("app", 0, create("t", "CREATE TABLE t(id INTEGER PRIMARY KEY, v)", col("id", "INTEGER", 1), col("v", "", 0)));
    sink.snapshotChange("app", 0, create("kv", "CREATE TABLE kv(a TEXT, b INT, v, PRIMARY KEY(a, b)) WITHOUT ROWID",
        col("a", "TEXT", 1), col("b", "INT", 2), col("v", "", 0)));
    for (long i = 1; i <= 5; i++) {
      sink.snapshotChange("app", 0, insert("t", i, row("id", Value.of(i), "v", Value.of("r" + i))));
    }
    sink.snapshotChange("app", 0, kv("x/y", 1, Value.of(new byte[] {0, 1})));
    sink.snapshotChange("app", 0, kv("5", 2, Value.of(2.5)));
    sink.snapshotEnd("app", 0);
    server = ReplicaHttpServer.start(replica, HttpSettings.secured(0, Set.of("s3cret", "other")));
    client = new ReplicaClient(server.baseUrl(), Optional.of("s3cret"));
  }

  private static RowChange kv(String a, long b, Value v) {
    return new RowChange("kv", Op.INSERT, OptionalLong.empty(), row("a", Value.of(a), "b", Value.of(b)), Map.of(),
        row("a", Value.of(a), "b", Value.of(b), "v", v));
  }

  @AfterEach
  void stop() {
    server.close();
    replica.close();
  }

  private HttpResponse<String> raw(String method, String pathAndQuery, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + pathAndQuery))
        .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(20));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void client_readsPointsAndPages_likeTheInProcessReplica() {
    assertThat(client.get("app", "t", List.of(Value.of(3)), Freshness.ANY))
        .isEqualTo(replica.get("app", "t", List.of(Value.of(3)), Freshness.ANY));
    assertThat(client.get("app", "t", List.of(Value.of(99)), Freshness.ANY)).isEqualTo(new PointRead(0, Optional.empty()));
    assertThat(client.get("app", "kv", List.of(Value.of("x/y"), Value.of(1)), Freshness.ANY).row().orElseThrow().get("v"))
        .isEqualTo(Value.of(new byte[] {0, 1}));
    RangeRead p1 = client.scan("app", "t", Optional.empty(), 2, Freshness.ANY);
    assertThat(p1).isEqualTo(replica.scan("app", "t", Optional.empty(), 2, Freshness.ANY));
    RangeRead p2 = client.scan("app", "t", p1.next(), 10, Freshness.ANY);
    assertThat(p2.rows()).extracting(r -> r.get("id")).containsExactly(Value.of(3), Value.of(4), Value.of(5));
    assertThat(p2.next()).isEmpty();
    ReplicaStatus s = client.status();
    assertThat(s.region()).isEqualTo("eu");
    assertThat(s.databases().get("app").lsn()).isZero();
    assertThat(s.databases().get("app").tables()).isEqualTo(2);
  }

  @Test
  void keys_plainTextJsonAndComposite() throws Exception {
    JsonNode byText = JSON.readTree(raw("GET", "/v1/replica/app/kv/%5B%22x%2Fy%22,1%5D", "other").body());
    assertThat(byText.get("row").get("v").get("base64").asText()).isEqualTo("AAE=");
    // A number for a TEXT column is its text, as SQLite would store it.
    JsonNode numeric = JSON.readTree(raw("GET", "/v1/replica/app/kv/%5B5,2%5D", "s3cret").body());
    assertThat(numeric.get("row").get("v").asDouble()).isEqualTo(2.5);
    HttpResponse<String> rowid = raw("GET", "/v1/replica/app/t/2", "s3cret");
    assertThat(rowid.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(rowid.body())).isEqualTo(JSON.readTree("{\"lsn\":0,\"row\":{\"id\":2,\"v\":\"r2\"}}"));
  }

  @Test
  void minLsn_waitsForTheCommit_orAnswers504WithTheLsn() throws Exception {
    CompletableFuture<PointRead> read = CompletableFuture.supplyAsync(
        () -> client.get("app", "t", List.of(Value.of(6)), Freshness.atLeast(1, Duration.ofSeconds(20))));
    Thread.sleep(100); // let the request reach the server and wait; the assertions are on the answer it gets
    assertThat(read).isNotDone();
    replica.sink().commit("app", 1, T, rows(insert("t", 6, row("id", Value.of(6), "v", Value.of("mine")))));
    assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo(new PointRead(1, Optional.of(row("id", Value.of(6), "v", Value.of("mine")))));

    HttpResponse<String> late = raw("GET", "/v1/replica/app/t?minLsn=9&timeoutMs=50", "s3cret");
    assertThat(late.statusCode()).isEqualTo(504);
    assertThat(JSON.readTree(late.body()).get("lsn").asLong()).isEqualTo(1);
    assertThatThrownBy(() -> client.scan("app", "t", Optional.empty(), 5, Freshness.atLeast(9, Duration.ofMillis(50))))
        .isInstanceOfSatisfying(LsnTimeoutException.class, e -> assertThat(e.current()).isEqualTo(1));
  }

  @Test
  void metrics_prometheusTextWithAppliedLsnLagAndCacheHits() throws Exception {
    assertThat(raw("GET", "/metrics", null).statusCode()).isEqualTo(401);
    client.get("app", "t", List.of(Value.of(3)), Freshness.ANY);
    client.get("app", "t", List.of(Value.of(3)), Freshness.ANY);
    replica.sink().commit("app", 1, T, rows(insert("t", 7, row("id", Value.of(7), "v", Value.of("x")))));
    HttpResponse<String> r = raw("GET", "/metrics", "s3cret");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
    String text = r.body();
    System.out.println(text);
    assertThat(text).contains("# TYPE walflow_replica_cache_hits_total counter")
        .containsPattern("(?m)^walflow_replica_applied_lsn\\{db=\"app\"\\} 1\\.0$")
        .containsPattern("(?m)^walflow_replica_lag_lsns\\{db=\"app\"\\} ")
        .containsPattern("(?m)^walflow_replica_lag_milliseconds\\{db=\"app\"\\} ")
        .containsPattern("(?m)^walflow_replica_cache_hits_total [1-9]")
        .containsPattern("(?m)^walflow_replica_cache_misses_total [1-9]")
        .containsPattern("(?m)^walflow_replica_cache_hit_ratio 0\\.[0-9]+");
    assertThat(raw("GET", "/metrics?x=1", "s3cret").statusCode()).isEqualTo(400);
  }

  @Test
  void auth_requiredAndChecked() throws Exception {
    assertThat(raw("GET", "/v1/status", null).statusCode()).isEqualTo(401);
    assertThat(raw("GET", "/v1/replica/app/t/1", "wrong").statusCode()).isEqualTo(401);
    assertThat(raw("GET", "/v1/replica/app/t/1", "s3cret").statusCode()).isEqualTo(200);
    ReplicaClient anonymous = new ReplicaClient(server.baseUrl(), Optional.empty());
    assertThatThrownBy(anonymous::status).isInstanceOfSatisfying(ReplicaHttpException.class, e -> assertThat(e.status()).isEqualTo(401));
  }

  @Test
  void errors_404_400_405_414_nameTheProblem() throws Exception {
    HttpResponse<String> noDb = raw("GET", "/v1/replica/nope/t", "s3cret");
    assertThat(noDb.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(noDb.body()).get("existing").toString()).isEqualTo("[\"app\"]");
    HttpResponse<String> noTable = raw("GET", "/v1/replica/app/nope/1", "s3cret");
    assertThat(noTable.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(noTable.body()).get("existing").toString()).isEqualTo("[\"kv\",\"t\"]");
    assertThatThrownBy(() -> client.get("app", "nope", List.of(Value.of(1)), Freshness.ANY))
        .isInstanceOf(UnknownNameException.class).hasMessageContaining("[kv, t]");
    assertThat(raw("GET", "/v2/whatever", "s3cret").statusCode()).isEqualTo(404);

    assertThat(error(raw("GET", "/v1/replica/app/t?limit=0", "s3cret"), 400)).contains("limit").contains("1..10000");
    assertThat(error(raw("GET", "/v1/replica/app/t?limit=abc", "s3cret"), 400)).contains("limit");
    assertThat(error(raw("GET", "/v1/replica/app/t?after=%21%21", "s3cret"), 400)).contains("cursor");
    assertThat(error(raw("GET", "/v1/replica/app/t?bogus=1", "s3cret"), 400)).contains("bogus");
    assertThat(error(raw("GET", "/v1/replica/app/t?minLsn=-5", "s3cret"), 400)).contains("minLsn");
    assertThat(error(raw("GET", "/v1/replica/app/t?timeoutMs=999999", "s3cret"), 400)).contains("timeoutMs");
    assertThat(error(raw("GET", "/v1/replica/app/t/abc", "s3cret"), 400)).contains("rowid");
    assertThat(error(raw("GET", "/v1/replica/app/kv/%5B1", "s3cret"), 400)).contains("JSON array");
    assertThat(error(raw("GET", "/v1/replica/app/kv/x", "s3cret"), 400)).contains("2 column(s)");
    assertThat(raw("POST", "/v1/status", "s3cret").statusCode()).isEqualTo(405);
    assertThat(raw("GET", "/v1/replica/app/t?after=" + "A".repeat(10_000), "s3cret").statusCode()).isEqualTo(414);
  }

  @Test
  void keepAlive_pipelinedGoodAndBadRequests_areAnsweredInOrder_aBodyIsRefusedAndCloses() throws Exception {
    String[] requests = {
        "GET /v1/replica/app/t/1 HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer s3cret\r\n\r\n",
        "GET /v1/status HTTP/1.1\r\nHost: t\r\n\r\n",
        "POST /v1/status HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer s3cret\r\nContent-Length: 0\r\n\r\n",
        "GET /v1/replica/nope/t HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer s3cret\r\n\r\n",
        "GET /v1/status HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer s3cret\r\n\r\n",
        "GET /v1/status HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer s3cret\r\nContent-Length: 2\r\n\r\n{}",
        "GET /v1/status HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer s3cret\r\n\r\n"};
    String answers;
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(String.join("", requests).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      // The bodied request is the last answered: the server closes the connection after it.
      answers = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    List<String> statuses = java.util.regex.Pattern.compile("HTTP/1\\.1 (\\d{3}) ").matcher(answers).results()
        .map(m -> m.group(1)).toList();
    assertThat(statuses).containsExactly("200", "401", "405", "404", "200", "400");
    assertThat(answers).contains("GET /v1/status takes no request body (got 2 bytes)");
  }

  private static String error(HttpResponse<String> res, int status) throws Exception {
    assertThat(res.statusCode()).as(res.body()).isEqualTo(status);
    return JSON.readTree(res.body()).get("error").asText();
  }

  @Test
  void settings_refuseNoTokenWithoutOpen() {
    assertThatThrownBy(() -> HttpSettings.secured(0, Set.of())).hasMessageContaining("--open");
  }
}
