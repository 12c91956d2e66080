package io.walflow.views.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.walflow.dataflow.DataflowConfig;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.capture.SqliteOracle;
import io.walflow.ingest.change.Value;
import io.walflow.views.Reconstruction;
import io.walflow.views.ViewEvent;
import io.walflow.views.ViewsConfig;
import io.walflow.views.client.WalflowClient;
import io.walflow.views.json.EventJson;
import io.walflow.views.stack.StackConfig;
import io.walflow.views.stack.ViewStack;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.Disposable;

/**
 * The whole stack as {@code walflow run} starts it — capture of a real SQLite database under a
 * write load, the log, the real engine, the views service, the HTTP server — with real clients over
 * SSE ({@link WalflowClient}) and WebSocket: after every event, the rows a client reconstructed
 * equal what SQLite returns for the same query at that LSN; a dropped SSE connection resumed with
 * Last-Event-ID loses and repeats nothing; requests without the token are refused.
 */
class LiveViewsHttpTest {
  private static final String TOKEN = "live-test-token-0123456789";
  private static final String SQL = "SELECT id, v FROM items WHERE grp = ?";
  private static final Duration WAIT = Duration.ofSeconds(60);
  @TempDir Path dir;

  @Test
  void clientsOverSseAndWebSocket_reconstructSqlitesResultAtEveryLsn() throws Exception {
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    Random random = new Random(seed);
    Path db = dir.resolve("app.db");
    try (Connection w = SqliteOracle.open(db)) {
      try (Statement st = w.createStatement()) {
        st.execute("PRAGMA journal_mode=WAL");
        st.execute("PRAGMA busy_timeout=2000");
        st.execute("CREATE TABLE items(id INTEGER PRIMARY KEY, grp INTEGER NOT NULL, v INTEGER)");
        st.execute("INSERT INTO items VALUES (1, 3, 10), (2, 3, 20), (3, 4, 30)");
        // Every transaction bumps the tick, so each one is a commit (an LSN) even when its other
        // statements change nothing.
        st.execute("CREATE TABLE tick(n INTEGER)");
        st.execute("INSERT INTO tick VALUES (0)");
      }
      StackConfig config = new StackConfig(CaptureConfig.defaults(dir.resolve("data")).withDatabase("app", db),
          DataflowConfig.defaults(dir.resolve("state")),
          ViewsConfig.defaults().withProgressInterval(Duration.ofMillis(100)),
          HttpConfig.defaults(Access.token(TOKEN)), Map.of("g", SQL), Duration.ofSeconds(60));
      try (ViewStack stack = ViewStack.start(config)) {
        URI base = URI.create("http://127.0.0.1:" + stack.http().port());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        assertThat(http.send(HttpRequest.newBuilder(base.resolve("/v1/views/g?arg=3")).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
        assertThat(http.send(HttpRequest.newBuilder(base.resolve("/v1/views")).header("Authorization", "Bearer " + TOKEN)
            .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"bad\",\"sql\":\"SELECT id FROM nowhere\"}")).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(400);

        long start = stack.appliedLsn("app");
        // SQLite's answer after each commit, by LSN (one commit = one LSN).
        Map<Long, List<String>> expected = new ConcurrentHashMap<>();
        expected.put(start, oracle(w, 3));
        Checked sse = new Checked(expected);
        Checked ws = new Checked(expected);
        try (WalflowClient client = WalflowClient.create(base, Optional.of(TOKEN))) {
          Disposable sub = client.subscribe("g", List.of("3"), OptionalLong.empty()).subscribe(sse::apply);
          WebSocket socket = webSocket(http, base, ws);
          await().atMost(WAIT).until(() -> sse.r.lsn >= start && ws.r.lsn >= start);

          // SSE connection that will be dropped and resumed with Last-Event-ID.
          Checked resumed = new Checked(expected);
          long dropAt = readSse(http, base, resumed, -1, 30);

          int txns = 300;
          int nextId = 100;
          for (int i = 1; i <= txns; i++) {
            w.setAutoCommit(false);
            try (PreparedStatement ins = w.prepareStatement("INSERT INTO items VALUES (?, ?, ?)");
                PreparedStatement upd = w.prepareStatement("UPDATE items SET v = ?, grp = ? WHERE id = ?");
                PreparedStatement del = w.prepareStatement("DELETE FROM items WHERE id = ?");
                Statement tick = w.createStatement()) {
              tick.executeUpdate("UPDATE tick SET n = n + 1");
              for (int k = 0; k < 1 + random.nextInt(3); k++) {
                int op = random.nextInt(10);
                if (op < 5) {
                  ins.setInt(1, nextId++);
                  ins.setInt(2, 3 + random.nextInt(3));
                  ins.setInt(3, random.nextInt(100));
                  ins.executeUpdate();
                } else if (op < 8) {
                  upd.setInt(1, random.nextInt(100));
                  upd.setInt(2, 3 + random.nextInt(3));
                  upd.setInt(3, 1 + random.nextInt(nextId));
                  upd.executeUpdate();
                } else {
                  del.setInt(1, 1 + random.nextInt(nextId));
                  del.executeUpdate();
                }
              }
            }
            w.commit();
            w.setAutoCommit(true);
            expected.put(start + i, oracle(w, 3));
            if (i == txns / 2) {
              // Resume the dropped connection from where it stopped.
              readSse(http, base, resumed, dropAt, 0);
            }
          }
          long last = start + txns;
          stack.capture().awaitDurable("app", last).get(60, java.util.concurrent.TimeUnit.SECONDS);
          await().atMost(WAIT).until(() -> sse.r.lsn >= last && ws.r.lsn >= last);
          long resumedTo = readSse(http, base, resumed, resumed.r.lsn, 1_000_000, last);
          assertThat(resumedTo).isGreaterThanOrEqualTo(last);
          for (Checked c : List.of(sse, ws, resumed)) {
            assertThat(c.failures).as("seed " + seed).isEmpty();
            assertThat(c.r.sortedRows()).as("seed " + seed).isEqualTo(expected.get(c.r.lsn));
          }
          assertThat(sse.checked).isGreaterThan(10);
          assertThat(resumed.r.snapshots).isEqualTo(1);   // resumed without a new snapshot
          System.out.println("sse: " + sse.r.deltas + " deltas, " + sse.checked + " checks; ws: " + ws.r.deltas
              + " deltas; resumed: " + resumed.r.deltas + " deltas over two connections");
          sub.dispose();
          socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get();
        }
      }
    }
  }

  @Test
  void orderByLimitView_lookupOverHttp_returnsSqlitesRowsInSqlitesOrder() throws Exception {
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    Random random = new Random(seed);
    String top = "SELECT id, v FROM items WHERE grp = ? ORDER BY v DESC, id LIMIT 4";
    Path db = dir.resolve("app.db");
    try (Connection w = SqliteOracle.open(db)) {
      try (Statement st = w.createStatement()) {
        st.execute("PRAGMA journal_mode=WAL");
        st.execute("PRAGMA busy_timeout=2000");
        st.execute("CREATE TABLE items(id INTEGER PRIMARY KEY, grp INTEGER NOT NULL, v INTEGER)");
        st.execute("CREATE TABLE tick(n INTEGER)");
        st.execute("INSERT INTO tick VALUES (0)");
      }
      StackConfig config = new StackConfig(CaptureConfig.defaults(dir.resolve("data")).withDatabase("app", db),
          DataflowConfig.defaults(dir.resolve("state")), ViewsConfig.defaults(),
          HttpConfig.defaults(Access.token(TOKEN)), Map.of(), Duration.ofSeconds(60));
      try (ViewStack stack = ViewStack.start(config)) {
        URI base = URI.create("http://127.0.0.1:" + stack.http().port());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(base.resolve("/v1/views"))
            .header("Authorization", "Bearer " + TOKEN)
            .POST(HttpRequest.BodyPublishers.ofString(EventJson.MAPPER.createObjectNode().put("name", "top")
                .put("sql", top).toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.body()).contains("\"ordered\":true");
        long start = stack.appliedLsn("app");
        int checks = 0;
        for (int i = 1; i <= 40; i++) {
          // One transaction, so one LSN, per round (the tick makes sure it writes). Values repeat
          // (ties broken by id) and rows move between groups.
          w.setAutoCommit(false);
          try (PreparedStatement up = w.prepareStatement("INSERT INTO items(id, grp, v) VALUES (?, ?, ?) "
                  + "ON CONFLICT(id) DO UPDATE SET grp = excluded.grp, v = excluded.v");
              PreparedStatement del = w.prepareStatement("DELETE FROM items WHERE id = ?");
              Statement tick = w.createStatement()) {
            tick.executeUpdate("UPDATE tick SET n = n + 1");
            for (int k = 0; k < 1 + random.nextInt(3); k++) {
              up.setInt(1, 1 + random.nextInt(30));
              up.setInt(2, random.nextInt(2));
              up.setInt(3, random.nextInt(8));
              up.executeUpdate();
            }
            if (random.nextInt(4) == 0) {
              del.setInt(1, 1 + random.nextInt(30));
              del.executeUpdate();
            }
          }
          w.commit();
          w.setAutoCommit(true);
          long lsn = start + i;
          stack.capture().awaitDurable("app", lsn).get(60, java.util.concurrent.TimeUnit.SECONDS);
          for (int grp = 0; grp < 2; grp++) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                base.resolve("/v1/views/top?arg=" + grp + "&minLsn=" + lsn + "&timeoutMs=30000"))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            var json = EventJson.MAPPER.readTree(r.body());
            assertThat(json.get("lsn").asLong()).isEqualTo(lsn);
            List<List<Value>> rows = EventJson.rows(json.get("rows"), "rows");
            assertThat(rows).as("seed %d, group %d at LSN %d", seed, grp, lsn).isEqualTo(ordered(w, top, grp));
            checks++;
          }
        }
        assertThat(checks).isEqualTo(80);
      }
    }
  }

  /** SQLite's rows for {@code sql} with one parameter, in SQLite's order. */
  private static List<List<Value>> ordered(Connection c, String sql, long param) throws Exception {
    List<List<Value>> rows = new ArrayList<>();
    try (PreparedStatement st = c.prepareStatement(sql)) {
      st.setLong(1, param);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          rows.add(List.of(Value.of(rs.getLong(1)), Value.of(rs.getLong(2))));
        }
      }
    }
    return rows;
  }

  /** A reconstruction checked against SQLite after every snapshot, delta and progress event. */
  private static final class Checked {
    final Reconstruction r = new Reconstruction();
    final Map<Long, List<String>> expected;
    final List<String> failures = new CopyOnWriteArrayList<>();
    int checked;

    Checked(Map<Long, List<String>> expected) {
      this.expected = expected;
    }

    synchronized void apply(ViewEvent e) {
      try {
        r.apply(e);
      } catch (AssertionError a) {
        failures.add(a.getMessage());
        return;
      }
      List<String> want = expected.get(e.lsn());
      if (want != null) {
        checked++;
        if (!want.equals(r.sortedRows())) {
          failures.add("LSN " + e.lsn() + " (" + e.getClass().getSimpleName() + "): have " + r.sortedRows()
              + ", SQLite has " + want);
        }
      }
    }
  }

  private static List<String> oracle(Connection c, long grp) throws Exception {
    List<List<Value>> rows = new ArrayList<>();
    try (PreparedStatement st = c.prepareStatement(SQL)) {
      st.setLong(1, grp);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          rows.add(List.of(Value.of(rs.getLong(1)), Value.of(rs.getLong(2))));
        }
      }
    }
    return Reconstruction.sorted(rows);
  }

  /** Reads SSE events (resuming after {@code from} when >= 0) until {@code maxEvents} or LSN {@code until}; returns the last id. */
  private static long readSse(HttpClient http, URI base, Checked into, long from, int maxEvents) throws Exception {
    return readSse(http, base, into, from, maxEvents, Long.MAX_VALUE);
  }

  private static long readSse(HttpClient http, URI base, Checked into, long from, int maxEvents, long until)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/v1/views/g/subscribe?arg=3"))
        .header("Authorization", "Bearer " + TOKEN);
    if (from >= 0) {
      b.header("Last-Event-ID", Long.toString(from));
    }
    HttpResponse<InputStream> resp = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(resp.statusCode()).isEqualTo(200);
    long last = from;
    int events = 0;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
      String type = null;
      String line;
      // One event at least when maxEvents is 0: the snapshot or first delta is waited for only if asked.
      while (events < Math.max(maxEvents, 1) && last < until && (line = in.readLine()) != null) {
        if (line.startsWith("event: ")) {
          type = line.substring(7);
        } else if (line.startsWith("data: ")) {
          ViewEvent e = EventJson.parse(type, line.substring(6));
          into.apply(e);
          last = e.lsn();
          events++;
          if (maxEvents == 0) {
            break;
          }
        }
      }
    }
    return last;
  }

  private static WebSocket webSocket(HttpClient http, URI base, Checked into) throws Exception {
    return http.newWebSocketBuilder().header("Authorization", "Bearer " + TOKEN)
        .buildAsync(URI.create("ws://" + base.getHost() + ":" + base.getPort() + "/v1/views/g/ws?arg=3"),
            new WebSocket.Listener() {
              private final StringBuilder partial = new StringBuilder();

              @Override
              public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                  try {
                    com.fasterxml.jackson.databind.node.ObjectNode o =
                        (com.fasterxml.jackson.databind.node.ObjectNode) EventJson.MAPPER.readTree(partial.toString());
                    String type = o.remove("event").asText();
                    into.apply(EventJson.parse(type, o.toString()));
                  } catch (Exception e) {
                    into.failures.add("bad message " + partial + ": " + e);
                  }
                  partial.setLength(0);
                }
                socket.request(1);
                return null;
              }
            }).get();
  }
}
