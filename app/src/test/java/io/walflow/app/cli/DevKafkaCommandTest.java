package io.walflow.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.app.Main;
import io.walflow.ingest.capture.ChildProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code walflow dev-kafka}: a broker on the given port until SIGTERM, which stops the broker too. */
class DevKafkaCommandTest {
  @TempDir Path dir;

  @Test
  void devKafka_servesOnItsPort_untilStopped_thenThePortIsFree() throws Exception {
    int port = freePort();
    Path data = dir.resolve("kafka");
    Process p = ChildProcess.start(Main.class, dir.resolve("dev-kafka.log"), "dev-kafka", "--port", Integer.toString(port),
        "--data-dir", data.toString());
    try {
      Awaitility.await().atMost(Duration.ofSeconds(120)).until(() -> logHas("broker ready") || !p.isAlive());
      assertThat(p.isAlive()).as("dev-kafka: %s", Files.readString(dir.resolve("dev-kafka.log"))).isTrue();
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", "127.0.0.1:" + port))) {
        admin.createTopics(List.of(new NewTopic("dev.check", 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
        assertThat(admin.listTopics().names().get(60, TimeUnit.SECONDS)).contains("dev.check");
      }
      assertThat(data.resolve("broker.log")).exists();
    } finally {
      p.destroy(); // SIGTERM, as Ctrl-C
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
      }
    }
    assertThat(Files.readString(dir.resolve("dev-kafka.log"))).contains("stopping the broker");
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !listening(port));
  }

  private boolean logHas(String s) throws IOException {
    Path log = dir.resolve("dev-kafka.log");
    return Files.exists(log) && Files.readString(log).contains(s);
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
