package io.walflow.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.app.Main;
import io.walflow.ingest.capture.ChildProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A command that cannot start (its port is taken, its data directory belongs to another running
 * walflow) says why, exits 2 and leaves nothing started: no capture, no log, no replica store, no
 * lock held.
 */
class StartupRefusalTest {
  @TempDir Path dir;

  private record Outcome(int code, String err) {}

  private static Outcome walflow(String... args) {
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args);
    return new Outcome(code, err.toString());
  }

  private static List<String> entries(Path d) throws Exception {
    if (!Files.isDirectory(d)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(d)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static void assertUnlocked(Path d) throws Exception {
    try (DataDirLock lock = DataDirLock.acquire(d, "test")) {
      assertThat(d.resolve(DataDirLock.FILE_NAME)).exists();
    }
  }

  @Test
  void aTakenPort_refusesEachServerNamingPortAndServer_andStartsNothing() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String port = Integer.toString(taken.getLocalPort());
      Path data = dir.resolve("data");
      Path db = dir.resolve("app.db");

      Outcome run = walflow("run", "--db", "app=" + db, "--data-dir", data.toString(), "--open", "--http-port", port);
      assertThat(run.code()).isEqualTo(2);
      assertThat(run.err()).contains("port " + port, "HTTP API of walflow run");
      assertThat(entries(data)).containsExactly(DataDirLock.FILE_NAME); // no log, no engine state
      assertUnlocked(data);

      Outcome capture = walflow("capture", "--db", "app=" + db, "--data-dir", data.toString(), "--open", "--http-port", port);
      assertThat(capture.code()).isEqualTo(2);
      assertThat(capture.err()).contains("port " + port, "log range server of walflow capture");
      assertThat(entries(data)).containsExactly(DataDirLock.FILE_NAME);
      assertUnlocked(data);

      Path replica = dir.resolve("replica");
      Outcome rep = walflow("replica", "--region", "eu", "--from-log", data.toString(), "--data-dir", replica.toString(),
          "--open", "--http-port", port);
      assertThat(rep.code()).isEqualTo(2);
      assertThat(rep.err()).contains("port " + port, "HTTP API of walflow replica");
      assertThat(entries(replica)).containsExactly(DataDirLock.FILE_NAME); // no RocksDB
      assertUnlocked(replica);

      Path demo = dir.resolve("demo");
      Outcome d = walflow("demo", "--data-dir", demo.toString(), "--open", "--http-port", port);
      assertThat(d.code()).isEqualTo(2);
      assertThat(d.err()).contains("port " + port, "HTTP API and live page of walflow demo");
      assertThat(entries(demo)).containsExactly(DataDirLock.FILE_NAME); // no news.db, no log
      assertUnlocked(demo);
    }
    assertThat(db()).doesNotExist();
  }

  private Path db() {
    return dir.resolve("app.db");
  }

  @Test
  void aDataDirectoryHeldByAnotherWalflow_refusesEveryCommandThatOwnsOne_namingHolderAndPid() throws Exception {
    Path data = dir.resolve("data");
    Process holder = ChildProcess.start(Main.class, dir.resolve("holder.log"), "run", "--db", "app=" + db(),
        "--data-dir", data.toString(), "--open", "--http-port", "0", "--status-every", "0");
    try {
      awaitLockOf(data, holder);
      String expected = "data directory " + data + " is in use by walflow run (pid " + holder.pid() + ")";
      List<Outcome> refused = new ArrayList<>();
      refused.add(walflow("run", "--db", "app=" + db(), "--data-dir", data.toString(), "--open", "--http-port", "0"));
      refused.add(walflow("capture", "--db", "app=" + db(), "--data-dir", data.toString()));
      refused.add(walflow("demo", "--data-dir", data.toString(), "--open", "--http-port", "0"));
      refused.add(walflow("replica", "--region", "eu", "--from-log", dir.resolve("x").toString(), "--data-dir",
          data.toString(), "--open", "--http-port", "0"));
      refused.add(walflow("replay", "--data-dir", dir.resolve("x").toString(), "--db", "app", "--to-replica",
          data.toString()));
      for (Outcome o : refused) {
        assertThat(o.code()).as(o.err()).isEqualTo(2);
        assertThat(o.err()).contains(expected);
      }
      assertThat(entries(data)).doesNotContain("news.db", "rocksdb");
    } finally {
      holder.destroyForcibly().waitFor(60, TimeUnit.SECONDS);
    }
    assertUnlocked(data); // the operating system dropped the dead holder's lock: nothing stale
  }

  @Test
  void theLockNamesTheCommandThatHoldsIt() throws Exception {
    Path data = dir.resolve("data");
    Process holder = ChildProcess.start(Main.class, dir.resolve("capture.log"), "capture", "--db", "app=" + db(),
        "--data-dir", data.toString(), "--status-every", "0");
    try {
      awaitLockOf(data, holder);
      Outcome o = walflow("run", "--db", "app=" + db(), "--data-dir", data.toString(), "--open", "--http-port", "0");
      assertThat(o.code()).isEqualTo(2);
      assertThat(o.err()).contains("is in use by walflow capture (pid " + holder.pid() + ")");
    } finally {
      holder.destroyForcibly().waitFor(60, TimeUnit.SECONDS);
    }
    try (DataDirLock mine = DataDirLock.acquire(data, "walflow replica")) {
      Outcome o = walflow("capture", "--db", "app=" + db(), "--data-dir", data.toString());
      assertThat(o.err()).contains("is in use by walflow replica (pid " + ProcessHandle.current().pid() + ")");
    }
  }

  private void awaitLockOf(Path data, Process holder) throws Exception {
    Path lock = data.resolve(DataDirLock.FILE_NAME);
    Awaitility.await("the holder to take " + lock).atMost(120, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(50))
        .until(() -> {
          assertThat(holder.isAlive()).as("the holder exited early; see its log in " + dir).isTrue();
          return Files.exists(lock) && Files.readString(lock).contains("pid " + holder.pid());
        });
  }
}
