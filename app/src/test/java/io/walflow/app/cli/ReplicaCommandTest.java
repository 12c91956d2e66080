package io.walflow.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.app.Main;
import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.capture.ChildProcess;
import io.walflow.ingest.capture.SqliteOracle;
import io.walflow.ingest.capture.Workload;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code walflow replica}'s read authentication: tokens from a file, refused combinations. */
class ReplicaCommandTest {
  @TempDir Path dir;

  @Test
  void tokensFile_emptyOrWithOpen_isRefused() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty.tokens"), "# no token here\n\n");
    Path one = Files.writeString(dir.resolve("one.tokens"), "replica-token-0123456789\n");
    String[] base = {"replica", "--region", "eu", "--from-log", dir.toString(), "--data-dir", dir.resolve("r").toString(),
        "--http-port", "0", "--status-every", "0"};
    Object[] noToken = run(concat(base, "--tokens-file", empty.toString()));
    assertThat(noToken[0]).isEqualTo(2);
    assertThat((String) noToken[1]).contains("--tokens-file " + empty + " holds no token");
    Object[] both = run(concat(base, "--tokens-file", one.toString(), "--open"));
    assertThat(both[0]).isEqualTo(2);
    assertThat((String) both[1]).contains("give either --open or tokens, not both");
  }

  @Test
  void tokensFile_tokensAreAccepted_othersAndCommentsAreNot() throws Exception {
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    try (Connection w = SqliteOracle.open(db)) {
      Workload.prepare(w, 4096, 1000);
      try (Capture c = Capture.start(CaptureConfig.defaults(data).withDatabase("app", db))) {
        c.awaitDurable("app", 0).get(60, TimeUnit.SECONDS);
      }
    }
    Path tokens = Files.writeString(dir.resolve("replica.tokens"),
        "# readers\nfirst-token-0123456789\n  second-token-0123456789  \n#commented-token-0123456789\n");
    int port = freePort();
    Process replica = ChildProcess.start(Main.class, dir.resolve("replica.log"), "replica", "--region", "eu",
        "--from-log", data.toString(), "--data-dir", dir.resolve("replica").toString(), "--http-port",
        Integer.toString(port), "--tokens-file", tokens.toString(), "--status-every", "0");
    try {
      HttpClient http = HttpClient.newHttpClient();
      Awaitility.await().atMost(Duration.ofSeconds(90)).ignoreExceptions()
          .until(() -> status(http, port, "first-token-0123456789") == 200);
      assertThat(status(http, port, "second-token-0123456789")).isEqualTo(200);
      assertThat(status(http, port, "commented-token-0123456789")).isEqualTo(401);
      assertThat(status(http, port, "#commented-token-0123456789")).isEqualTo(401);
      assertThat(status(http, port, null)).isEqualTo(401);
    } finally {
      replica.destroy();
      if (!replica.waitFor(20, TimeUnit.SECONDS)) {
        replica.destroyForcibly().waitFor();
      }
    }
  }

  private static int status(HttpClient http, int port, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/status"));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static String[] concat(String[] a, String... b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  private static Object[] run(String... args) {
    java.io.StringWriter out = new java.io.StringWriter();
    picocli.CommandLine cl = Main.commandLine();
    cl.setOut(new java.io.PrintWriter(out, true));
    cl.setErr(new java.io.PrintWriter(out, true));
    int code = cl.execute(args);
    return new Object[] {code, out.toString()};
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
