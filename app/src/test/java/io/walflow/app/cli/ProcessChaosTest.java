package io.walflow.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.walflow.app.Main;
import io.walflow.ingest.capture.ChildProcess;
import io.walflow.ingest.capture.SqliteOracle;
import io.walflow.ingest.capture.Workload;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Random;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Process-level chaos: real {@code walflow capture} and {@code walflow replica} processes (child
 * JVMs) are killed with SIGKILL at random moments while they run (a process that is up is chosen),
 * 30 times, while an application keeps writing; restarted each time; at the end {@code walflow verify} must find the replica equal to SQLite.
 */
class ProcessChaosTest {
  private static final String TOKEN = "chaos-test-token-1";
  private static final int KILLS = 30;
  /**
   * Child JVMs start faster with the client compiler only and one GC thread (a start-up is most of
   * the time between kills on a loaded machine).
   */
  private static final List<String> QUICK_START = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
  @TempDir Path dir;

  @Test
  void killNine_captureAndReplica_thirtyTimes_underLoad_thenVerify() throws Exception {
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    Random random = new Random(seed);
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    Path replicaDir = dir.resolve("replica");
    int capturePort = freePort();
    int replicaPort = freePort();
    String[] captureArgs = {"capture", "--db", "app=" + db, "--data-dir", data.toString(), "--http-port",
        Integer.toString(capturePort), "--token", TOKEN, "--status-every", "0"};
    String[] replicaArgs = {"replica", "--region", "eu", "--from-log", data.toString(), "--data-dir", replicaDir.toString(),
        "--http-port", Integer.toString(replicaPort), "--token", TOKEN, "--status-every", "0",
        "--repair-from", "http://127.0.0.1:" + capturePort, "--repair-token", TOKEN};
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicLong txns = new AtomicLong();
    try (Connection w = SqliteOracle.open(db)) {
      Workload.prepare(w, 4096, 200);
      Workload load = new Workload(seed, 3, Workload.AppCheckpoint.PASSIVE, 40);
      Thread writer = new Thread(() -> {
        try {
          while (writing.get()) {
            load.transaction(w);
            txns.incrementAndGet();
            Thread.sleep(2); // a paced writer, so the kills land between commits as well as inside them
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, "chaos-writer");
      Process capture = ChildProcess.start(Main.class, dir.resolve("capture.log"), QUICK_START, captureArgs);
      Process replica = ChildProcess.start(Main.class, dir.resolve("replica.log"), QUICK_START, replicaArgs);
      writer.start();
      int captureKills = 0;
      int replicaKills = 0;
      try {
        for (int k = 0; k < KILLS; k++) {
          Thread.sleep(300 + random.nextInt(1200)); // a random moment under load: the point of the test, not a wait for a condition
          // The victim is a process that is up (serving HTTP: capture once its first snapshot is
          // written, the replica once open), so that kills land in running processes, not in JVM
          // start-ups: on a loaded machine a start-up can outlast the interval between kills.
          await().alias("capture or replica listening (see " + dir + ")").atMost(Duration.ofSeconds(120))
              .pollInterval(Duration.ofMillis(50)).until(() -> listening(capturePort) || listening(replicaPort));
          boolean captureUp = listening(capturePort);
          boolean replicaUp = listening(replicaPort);
          if (captureUp && (!replicaUp || random.nextBoolean())) {
            capture = killAndRestart(capture, dir.resolve("capture.log"), captureArgs);
            captureKills++;
          } else {
            replica = killAndRestart(replica, dir.resolve("replica.log"), replicaArgs);
            replicaKills++;
          }
        }
        Thread.sleep(1000); // keep the load running on the last processes before the writer stops
        writing.set(false);
        writer.join(10_000);
        System.out.printf("kills: capture %d, replica %d; %d transactions written (seed %d)%n", captureKills, replicaKills,
            txns.get(), seed);
        assertThat(capture.isAlive()).as("capture alive (see capture.log)").isTrue();
        assertThat(replica.isAlive()).as("replica alive (see replica.log)").isTrue();
        // The live file: the replica must catch up with everything the application committed.
        Object[] live = run("verify", "--db", db.toString(), "--db-name", "app", "--replica", "http://127.0.0.1:" + replicaPort,
            "--token", TOKEN, "--timeout", "90s");
        System.out.println(live[1]);
        assertThat(live[0]).as("verify against the live file (seed %d):%n%s", seed, live[1]).isEqualTo(0);
        Object[] log = run("verify", "--db", db.toString(), "--replica", "http://127.0.0.1:" + replicaPort,
            "--token", TOKEN, "--data-dir", data.toString());
        assertThat(log[0]).as("verify against the log (seed %d):%n%s", seed, log[1]).isEqualTo(0);
      } finally {
        writing.set(false);
        capture.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        replica.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private static Process killAndRestart(Process p, Path log, String[] args) throws Exception {
    p.destroyForcibly(); // SIGKILL
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    Files.writeString(log, "\n==== killed -9, restarting ====\n", java.nio.file.StandardOpenOption.APPEND,
        java.nio.file.StandardOpenOption.CREATE);
    return ChildProcess.start(Main.class, log, QUICK_START, args);
  }

  private static boolean listening(int port) {
    try (java.net.Socket s = new java.net.Socket()) {
      s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 200);
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

  private static Object[] run(String... args) {
    StringWriter out = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(out, true));
    int code = cl.execute(args);
    return new Object[] {code, out.toString()};
  }
}
