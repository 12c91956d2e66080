package io.walflow.views.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.walflow.views.ScriptedEngineAccess;
import io.walflow.views.ViewEvent;
import io.walflow.views.ViewService;
import io.walflow.views.ViewsConfig;
import io.walflow.views.client.WalflowClient;
import io.walflow.views.client.WalflowClientException;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * The HTTP protocol (status codes, auth, limits, SSE/WebSocket framing, the client's resume) over
 * the scripted engine fixture; results against SQLite are checked by {@code LiveViewsHttpTest}
 * on the real engine.
 */
class HttpProtocolTest {
  private static final String ADMIN = "admin-token-0123456789";
  private static final String READER = "reader-token-0123456789";
  private static final Duration WAIT = Duration.ofSeconds(30);
  @TempDir Path dir;
  private final ScriptedEngineAccess engine = new ScriptedEngineAccess();
  private ViewService views;
  private ViewsHttpServer server;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "# test tokens\n" + ADMIN + " admin\n" + READER + " read:v\nother-token-0123456789 read:w\n");
    views = new ViewService(engine.engine(), ViewsConfig.defaults().withProgressInterval(Duration.ofMillis(200)));
    server = ViewsHttpServer.start(views, HttpConfig.defaults(Access.fromFile(tokens)).withLimits(1024, 200, 3)
        .withRate(20, 30), StatusSource.NONE);
  }

  @AfterEach
  void stop() {
    server.close();
    views.close();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.port() + path);
  }

  private HttpResponse<String> get(String path, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(WAIT);
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> send(String method, String path, String token, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(WAIT)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void lookup_returnsResultJson_withArgCoercedToTheParameterType() throws Exception {
    engine.insert(7, 70);
    HttpResponse<String> r = get("/v1/views/v?arg=7", READER);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"lsn\":1,\"columns\":[\"k\",\"x\"],\"rows\":[[7,70]]}");
    assertThat(get("/v1/views/v?arg=7.0", READER).body()).contains("[[7,70]]");
  }

  @Test
  void badRequests_getClearStatusCodes() throws Exception {
    engine.insert(7, 70);
    assertThat(get("/v1/views/v?arg=7", null).statusCode()).isEqualTo(401);
    assertThat(get("/v1/views/v?arg=7", "wrong-token-0123456789").statusCode()).isEqualTo(401);
    assertThat(get("/v1/views/v?arg=7", "other-token-0123456789").statusCode()).isEqualTo(403);
    HttpResponse<String> unknown = get("/v1/views/nope?arg=7", ADMIN);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("no view named 'nope'; views: v");
    HttpResponse<String> unknownSubscribe = get("/v1/views/nope/subscribe?arg=7", ADMIN);
    assertThat(unknownSubscribe.statusCode()).isEqualTo(404);
    assertThat(unknownSubscribe.body()).contains("no view named 'nope'; views: v");
    HttpResponse<String> arity = get("/v1/views/v", READER);
    assertThat(arity.statusCode()).isEqualTo(400);
    assertThat(arity.body()).contains("view 'v' takes 1 argument(s) [INTEGER], got 0");
    HttpResponse<String> arity2 = get("/v1/views/v/subscribe?arg=7&arg=8", READER);
    assertThat(arity2.statusCode()).isEqualTo(400);
    assertThat(arity2.body()).contains("view 'v' takes 1 argument(s) [INTEGER], got 2");
    HttpResponse<String> type = get("/v1/views/v?arg=abc", READER);
    assertThat(type.statusCode()).isEqualTo(400);
    assertThat(type.body()).contains("argument 1 ('abc') must be a number: the parameter has INTEGER affinity");
    assertThat(get("/v1/views/v/subscribe?arg=abc", READER).body()).contains("argument 1 ('abc') must be a number");
    assertThat(get("/v1/views/v?arg=7&bogus=1", READER).statusCode()).isEqualTo(400);
    assertThat(get("/v1/views/v?arg=7&minLsn=x", READER).statusCode()).isEqualTo(400);
    HttpResponse<String> timeout = get("/v1/views/v?arg=7&minLsn=99&timeoutMs=100", READER);
    assertThat(timeout.statusCode()).isEqualTo(504);
    assertThat(timeout.body()).contains("\"watermark\":1");
    HttpResponse<String> future = get("/v1/views/v/subscribe?arg=7&fromLsn=99", READER);
    assertThat(future.statusCode()).isEqualTo(400);
    assertThat(future.body()).contains("fromLsn 99").contains("\"watermark\":1");
    HttpResponse<String> futureId = http.send(HttpRequest.newBuilder(uri("/v1/views/v/subscribe?arg=7")).timeout(WAIT)
        .header("Authorization", "Bearer " + READER).header("Last-Event-ID", "99").build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(futureId.statusCode()).isEqualTo(400);
    assertThat(futureId.body()).contains("fromLsn 99").contains("\"watermark\":1");
    assertThat(get("/v1/nothing", READER).statusCode()).isEqualTo(404);
    assertThat(send("PUT", "/v1/views/v", ADMIN, "x").statusCode()).isEqualTo(405);
    HttpResponse<String> bodied = send("DELETE", "/v1/views/v", ADMIN, "x");
    assertThat(bodied.statusCode()).isEqualTo(400);
    assertThat(bodied.body()).contains("takes no request body");
    // Administration needs the admin right; bodies are checked.
    assertThat(send("POST", "/v1/views", READER, "{\"name\":\"a\",\"sql\":\"SELECT 1\"}").statusCode()).isEqualTo(403);
    assertThat(send("POST", "/v1/views", ADMIN, "not json").statusCode()).isEqualTo(400);
    assertThat(send("POST", "/v1/views", ADMIN, "{\"name\":\"9x\",\"sql\":\"SELECT 1\"}").statusCode()).isEqualTo(400);
    assertThat(send("POST", "/v1/views", ADMIN, "{\"name\":\"a\",\"sql\":\"" + "x".repeat(300) + "\"}").body())
        .contains("over the limit of 200");
    assertThat(send("POST", "/v1/views", ADMIN, "{\"name\":\"a\",\"sql\":\"" + "x".repeat(2000) + "\"}").statusCode())
        .isEqualTo(413);
    assertThat(send("POST", "/v1/views", ADMIN, "{\"name\":\"v\",\"sql\":\"SELECT 1\"}").statusCode()).isEqualTo(409);
    HttpResponse<String> unsupported = send("POST", "/v1/views", ADMIN, "{\"name\":\"a\",\"sql\":\"SELECT 1\"}");
    assertThat(unsupported.statusCode()).isEqualTo(400);
    assertThat(unsupported.body()).contains("\"line\":1").contains("\"column\":1");
    assertThat(send("DELETE", "/v1/views/nope", ADMIN, null).statusCode()).isEqualTo(404);
  }

  @Test
  void livePage_isServedAtTheRootAndAtIndexHtml_withoutAToken() throws Exception {
    for (String path : List.of("/", "/index.html", "/index.html/", "/?x=1")) {
      HttpResponse<String> page = get(path, null);
      assertThat(page.statusCode()).as(path).isEqualTo(200);
      assertThat(page.headers().firstValue("Content-Type")).as(path).hasValue("text/html; charset=utf-8");
    }
    assertThat(get("/index.htm", READER).statusCode()).isEqualTo(404);
    assertThat(get("/index.htm", null).statusCode()).isEqualTo(401);
  }

  @Test
  void malformedPercentEscapes_are400_namingTheUri() throws Exception {
    engine.insert(7, 70);
    for (String target : List.of("/v1/views/v?arg=%zz", "/v1/views/%zz?arg=7")) {
      try (RawConnection c = new RawConnection(server.port(), (int) WAIT.toMillis())) {
        c.send(RawConnection.request("GET", target, READER, null));
        RawConnection.Response r = c.read();
        assertThat(r.status()).as(target).isEqualTo(400);
        assertThat(r.body()).as(target).contains("malformed request URI");
      }
    }
    assertThat(get("/v1/views/v?arg=7", READER).statusCode()).isEqualTo(200);
  }

  /** The requests of the keep-alive scripts below, each with the status and a body part that identifies it. */
  private static final List<Object[]> SCRIPT = List.of(
      new Object[] {RawConnection.request("GET", "/v1/views/v?arg=7", READER, null), 200, "[[7,70]]"},
      new Object[] {RawConnection.request("GET", "/v1/views/v?arg=7", null, null), 401, "authentication required"},
      new Object[] {RawConnection.request("GET", "/v1/views/nope?arg=7", ADMIN, null), 404, "no view named 'nope'"},
      new Object[] {RawConnection.request("GET", "/v1/views/v?arg=abc", READER, null), 400, "must be a number"},
      new Object[] {RawConnection.request("POST", "/v1/views", ADMIN, "not json"), 400, "not JSON"},
      new Object[] {RawConnection.request("POST", "/v1/views", READER, "{\"name\":\"a\",\"sql\":\"SELECT 1\"}"), 403,
          "admin right"},
      new Object[] {RawConnection.request("PUT", "/v1/views/v", ADMIN, null), 405, "not allowed"},
      new Object[] {RawConnection.request("POST", "/v1/views", ADMIN, "{\"name\":\"a\",\"sql\":\"" + "x".repeat(300)
          + "\"}"), 400, "over the limit of 200"},
      new Object[] {RawConnection.request("GET", "/v1/views", READER, null), 200, "\"name\":\"v\""});

  private static void assertScripted(RawConnection.Response r, Object[] step) {
    assertThat(r.status()).as("answer to %s", step[0]).isEqualTo(step[1]);
    assertThat(r.body()).contains((String) step[2]);
    assertThat(r.closes()).as("Connection: close on %s", step[0]).isFalse();
  }

  @Test
  void keepAlive_oneConnection_answersGoodAndBadRequestsOneAfterTheOther() throws Exception {
    engine.insert(7, 70);
    try (RawConnection c = new RawConnection(server.port(), (int) WAIT.toMillis())) {
      for (int round = 0; round < 3; round++) {
        for (Object[] step : SCRIPT) {
          c.send((String) step[0]);
          assertScripted(c.read(), step);
        }
      }
    }
  }

  @Test
  void keepAlive_pipelinedRequests_areAllAnsweredInOrder() throws Exception {
    engine.insert(7, 70);
    try (RawConnection c = new RawConnection(server.port(), (int) WAIT.toMillis())) {
      for (int round = 0; round < 3; round++) {
        c.send(SCRIPT.stream().map(step -> (String) step[0]).toArray(String[]::new));
        for (Object[] step : SCRIPT) {
          assertScripted(c.read(), step);
        }
      }
    }
  }

  @Test
  void bodyOnAnEndpointThatTakesNone_is400_andClosesTheConnection() throws Exception {
    engine.insert(7, 70);
    try (RawConnection c = new RawConnection(server.port(), (int) WAIT.toMillis())) {
      c.send(RawConnection.request("GET", "/v1/views/v?arg=7", READER, null),
          RawConnection.request("GET", "/v1/views/v?arg=7", READER, "{}"),
          RawConnection.request("GET", "/v1/views", READER, null));
      assertThat(c.read().status()).isEqualTo(200);
      RawConnection.Response bodied = c.read();
      assertThat(bodied.status()).isEqualTo(400);
      assertThat(bodied.body()).contains("GET /v1/views/v takes no request body (got 2 bytes)");
      assertThat(bodied.closes()).isTrue();
      assertThat(c.closedByServer()).isTrue();
    }
    // The server still serves new connections.
    assertThat(get("/v1/views/v?arg=7", READER).statusCode()).isEqualTo(200);
  }

  @Test
  void bodyOverTheLimit_is413_andClosesTheConnection() throws Exception {
    try (RawConnection c = new RawConnection(server.port(), (int) WAIT.toMillis())) {
      c.send(RawConnection.request("POST", "/v1/views", ADMIN, "{\"name\":\"a\",\"sql\":\"" + "x".repeat(2000) + "\"}"),
          RawConnection.request("GET", "/v1/views", READER, null));
      RawConnection.Response r = c.read();
      assertThat(r.status()).isEqualTo(413);
      assertThat(r.body()).contains("over the limit of 1024");
      assertThat(r.closes()).isTrue();
      assertThat(c.closedByServer()).isTrue();
    }
    // Announced far over the limit: refused at once, before the body is sent.
    try (RawConnection c = new RawConnection(server.port(), (int) WAIT.toMillis())) {
      c.send("POST /v1/views HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + ADMIN
          + "\r\nContent-Length: 5000000\r\n\r\n");
      RawConnection.Response r = c.read();
      assertThat(r.status()).isEqualTo(413);
      assertThat(r.body()).contains("5000000 bytes is over the limit of 1024");
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void list_andStatus() throws Exception {
    HttpResponse<String> list = get("/v1/views", READER);
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.body()).contains("\"name\":\"v\"").contains("\"parameters\":[\"INTEGER\"]").contains("\"watermark\":0");
    assertThat(get("/v1/views", "other-token-0123456789").body()).isEqualTo("{\"views\":[]}");
    HttpResponse<String> status = get("/v1/status", READER);
    assertThat(status.statusCode()).isEqualTo(200);
    assertThat(status.body()).contains("\"views\":[{\"name\":\"v\"");
  }

  @Test
  void flood_isRefusedWith429_andOtherClientsAreServed() throws Exception {
    int refused = 0;
    for (int i = 0; i < 100; i++) {
      int code = get("/v1/views", READER).statusCode();
      System.out.println("flood " + i + ": " + code);
      if (code == 429) {
        refused++;
      }
    }
    assertThat(refused).isPositive();
    assertThat(get("/v1/views", ADMIN).statusCode()).isEqualTo(200);
  }

  @Test
  void sse_streamsSnapshotDeltasProgress_andLastEventIdResumes() throws Exception {
    engine.insert(7, 70);
    HttpRequest req = HttpRequest.newBuilder(uri("/v1/views/v/subscribe?arg=7"))
        .header("Authorization", "Bearer " + READER).build();
    HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    try (BufferedReader in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
      assertThat(in.readLine()).isEqualTo("event: snapshot");
      assertThat(in.readLine()).isEqualTo("id: 1");
      assertThat(in.readLine()).isEqualTo("data: {\"lsn\":1,\"columns\":[\"k\",\"x\"],\"rows\":[[7,70]]}");
      assertThat(in.readLine()).isEmpty();
      engine.update(7, 70, 71);
      String line;
      do {
        line = in.readLine();
      } while (!line.equals("event: delta"));
      assertThat(in.readLine()).isEqualTo("id: 2");
      assertThat(in.readLine()).isEqualTo("data: {\"lsn\":2,\"insert\":[[7,71]],\"delete\":[[7,70]]}");
      do {
        line = in.readLine();
      } while (!line.equals("event: progress"));
      assertThat(in.readLine()).isEqualTo("id: 2");
    }
    engine.insert(7, 72);
    HttpRequest resume = HttpRequest.newBuilder(uri("/v1/views/v/subscribe?arg=7"))
        .header("Authorization", "Bearer " + READER).header("Last-Event-ID", "2").build();
    HttpResponse<InputStream> r2 = http.send(resume, HttpResponse.BodyHandlers.ofInputStream());
    try (BufferedReader in = new BufferedReader(new InputStreamReader(r2.body(), StandardCharsets.UTF_8))) {
      assertThat(in.readLine()).isEqualTo("event: delta");
      assertThat(in.readLine()).isEqualTo("id: 3");
    }
  }

  @Test
  void subscriptionsPerClient_areLimited() throws Exception {
    engine.insert(7, 70);
    List<HttpResponse<InputStream>> open = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 3; i++) {
      open.add(http.send(HttpRequest.newBuilder(uri("/v1/views/v/subscribe?arg=7"))
          .header("Authorization", "Bearer " + READER).build(), HttpResponse.BodyHandlers.ofInputStream()));
    }
    assertThat(open).allMatch(r -> r.statusCode() == 200);
    HttpResponse<String> fourth = get("/v1/views/v/subscribe?arg=7", READER);
    assertThat(fourth.statusCode()).isEqualTo(429);
    assertThat(fourth.body()).contains("3 open subscriptions");
    for (HttpResponse<InputStream> r : open) {
      r.body().close();
    }
  }

  @Test
  void webSocket_carriesTheSameEvents() throws Exception {
    engine.insert(7, 70);
    List<String> messages = new CopyOnWriteArrayList<>();
    WebSocket ws = http.newWebSocketBuilder().header("Authorization", "Bearer " + READER)
        .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/v1/views/v/ws?arg=7"), new WebSocket.Listener() {
          private final StringBuilder partial = new StringBuilder();

          @Override
          public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
              messages.add(partial.toString());
              partial.setLength(0);
            }
            webSocket.request(1);
            return null;
          }
        }).get();
    await().atMost(WAIT).until(() -> messages.size() >= 1);
    assertThat(messages.get(0)).isEqualTo("{\"event\":\"snapshot\",\"lsn\":1,\"columns\":[\"k\",\"x\"],\"rows\":[[7,70]]}");
    engine.insert(7, 71);
    await().atMost(WAIT).until(() -> messages.stream().anyMatch(m -> m.startsWith("{\"event\":\"delta\"")));
    assertThat(messages).contains("{\"event\":\"delta\",\"lsn\":2,\"insert\":[[7,71]],\"delete\":[]}");
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get();
  }

  @Test
  void client_subscribesAndResumesAfterTheServerRestarts() throws Exception {
    engine.insert(7, 70);
    try (WalflowClient client = WalflowClient.create(uri(""), Optional.of(READER), Duration.ofSeconds(5),
        Duration.ofMillis(50), Duration.ofMillis(200))) {
      assertThat(client.lookup("v", List.of("7"), OptionalLong.of(1), Duration.ofSeconds(1)).block(WAIT).rows())
          .hasSize(1);
      WalflowClientException e = org.junit.jupiter.api.Assertions.assertThrows(WalflowClientException.class,
          () -> client.lookup("nope", List.of(), OptionalLong.empty(), Duration.ZERO).block(WAIT));
      assertThat(e.status()).isEqualTo(403);   // a reader is not told which views exist beyond its rights
      List<ViewEvent> events = new CopyOnWriteArrayList<>();
      Disposable sub = client.subscribe("v", List.of("7"), OptionalLong.empty()).subscribe(events::add);
      await().atMost(WAIT).until(() -> !events.isEmpty());
      engine.insert(7, 71);
      await().atMost(WAIT).until(() -> events.stream().anyMatch(ev -> ev.lsn() == 2 && ev instanceof ViewEvent.Delta));
      // The server goes away and comes back on the same port; meanwhile a transaction happens.
      int port = server.port();
      server.close();
      engine.insert(7, 72);
      server = ViewsHttpServer.start(views, HttpConfig.defaults(Access.token(READER)).withAddress("127.0.0.1", port),
          StatusSource.NONE);
      await().atMost(WAIT).until(() -> events.stream().anyMatch(ev -> ev.lsn() == 3 && ev instanceof ViewEvent.Delta));
      List<ViewEvent> changes = events.stream().filter(ev -> !(ev instanceof ViewEvent.Progress)).toList();
      assertThat(changes).extracting(ViewEvent::lsn).containsExactly(1L, 2L, 3L);
      sub.dispose();
    }
  }
}
