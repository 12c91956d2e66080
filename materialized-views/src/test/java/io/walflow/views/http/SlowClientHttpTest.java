package io.walflow.views.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.walflow.ingest.change.Value;
import io.walflow.views.OverflowPolicy;
import io.walflow.views.Reconstruction;
import io.walflow.views.ScriptedEngineAccess;
import io.walflow.views.ViewEvent;
import io.walflow.views.ViewService;
import io.walflow.views.ViewsConfig;
import io.walflow.views.client.WalflowClient;
import io.walflow.views.json.EventJson;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

/**
 * Issue 7, "Bad input": a client that opens an SSE subscription and never reads. Over real
 * sockets: its TCP window fills, the server's writes to it stop, its per-subscriber buffer
 * overflows and is conflated; the engine and a second subscriber are never held up, and when the
 * slow client reads at last it gets a snapshot flagged {@code resync} that equals the view.
 */
class SlowClientHttpTest {
  private static final String TOKEN = "slow-test-token-0123456789";
  private static final Duration WAIT = Duration.ofSeconds(60);
  /** Each transaction replaces key 1's one row by another of this many characters. */
  private static final int ROW_CHARS = 16 << 10;
  /** 600 transactions of ~32 KiB of delta each: ~19 MiB, far over what socket buffers hold. */
  private static final int TRANSACTIONS = 600;
  private final ScriptedEngineAccess engine = new ScriptedEngineAccess();
  private ViewService views;
  private ViewsHttpServer server;

  @BeforeEach
  void start() {
    views = new ViewService(engine.engine(), ViewsConfig.defaults().withBuffer(8, OverflowPolicy.CONFLATE)
        .withProgressInterval(Duration.ofMillis(500)));
    server = ViewsHttpServer.start(views, HttpConfig.defaults(Access.token(TOKEN)), StatusSource.NONE);
  }

  @AfterEach
  void stop() {
    server.close();
    views.close();
  }

  private static Value big(int i) {
    return Value.of(i + ":" + "x".repeat(ROW_CHARS));
  }

  @Test
  void clientThatNeverReads_isConflatedIntoAResyncSnapshot_andHoldsUpNobody() throws Exception {
    engine.replace(1, null, big(0));
    try (RawConnection slow = new RawConnection(server.port(), (int) WAIT.toMillis(), 4096);
        WalflowClient client = WalflowClient.create(URI.create("http://127.0.0.1:" + server.port()),
            Optional.of(TOKEN))) {
      slow.send(RawConnection.request("GET", "/v1/views/v/subscribe?arg=1", TOKEN, null));
      RawConnection.Response head = slow.readHead();
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.headers().get("transfer-encoding")).isEqualTo("chunked");
      Reconstruction fast = new Reconstruction();
      Disposable sub = client.subscribe("v", List.of("1"), OptionalLong.empty()).subscribe(fast::apply);
      await().atMost(WAIT).until(() -> fast.lsn == 1 && views.subscribers() == 2);

      // The engine thread commits every transaction without waiting for the slow client; it waits
      // for the fast one every 4 transactions, so that only the slow one overflows its buffer of 8.
      long last = 0;
      for (int i = 1; i <= TRANSACTIONS; i++) {
        last = engine.replace(1, big(i - 1), big(i));
        long l = last;
        if (i % 4 == 0) {
          await().atMost(WAIT).until(() -> fast.lsn == l);
        }
      }
      long lastLsn = last;
      await().atMost(WAIT).until(() -> fast.lsn == lastLsn);
      assertThat(fast.resyncs).as("the fast subscriber is never conflated").isZero();
      assertThat(fast.deltas).isEqualTo(TRANSACTIONS);
      assertThat(fast.rows()).isEqualTo(engine.rowsOf(1));

      // Now the slow client reads: what it gets reconstructs the view; its missed deltas came as a resync snapshot.
      Reconstruction slowView = new Reconstruction();
      BufferedReader in = new BufferedReader(new InputStreamReader(slow.chunkedBody(), StandardCharsets.UTF_8));
      String event = null;
      for (String line = in.readLine(); slowView.lsn < lastLsn; line = in.readLine()) {
        if (line.startsWith("event: ")) {
          event = line.substring(7);
        } else if (line.startsWith("data: ")) {
          slowView.apply(EventJson.parse(event, line.substring(6)));
        }
      }
      System.out.println("slow client: " + slowView.snapshots + " snapshots (" + slowView.resyncs + " resync), "
          + slowView.deltas + " deltas for " + TRANSACTIONS + " transactions");
      assertThat(slowView.resyncs).as("the slow client's pending deltas were conflated").isPositive();
      assertThat(slowView.deltas).isLessThan(TRANSACTIONS);
      assertThat(slowView.rows()).isEqualTo(engine.rowsOf(1));
      // The fast subscriber still follows.
      long more = engine.replace(1, big(TRANSACTIONS), big(TRANSACTIONS + 1));
      await().atMost(WAIT).until(() -> fast.lsn == more);
      assertThat(fast.rows()).isEqualTo(engine.rowsOf(1));
      sub.dispose();
    }
  }
}
