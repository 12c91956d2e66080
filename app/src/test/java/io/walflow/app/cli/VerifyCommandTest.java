package io.walflow.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.app.Main;
import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.capture.SqliteOracle;
import io.walflow.ingest.capture.Workload;
import io.walflow.replica.Replica;
import io.walflow.replica.ReplicaConfig;
import io.walflow.replica.http.HttpSettings;
import io.walflow.replica.http.ReplicaHttpServer;
import io.walflow.replica.source.LocalLogSource;
import io.walflow.replica.store.KeyCodec;
import io.walflow.replica.store.ReplicaStore;
import io.walflow.replica.store.StoreBatch;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code walflow verify} and {@code walflow replay --to-replica} end to end on the command line:
 * exit 0 for an equal replica, 1 with the tampered row named, and the option checks of capture's
 * log endpoint.
 */
class VerifyCommandTest {
  private static final String TOKEN = "verify-test-token";
  @TempDir Path dir;

  /** Runs the command line; returns {exit code, stdout + stderr}. */
  private static Object[] run(String... args) {
    StringWriter out = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(out, true));
    int code = cl.execute(args);
    return new Object[] {code, out.toString()};
  }

  @Test
  void verify_equal_thenTampered_andReplayToReplica() throws Exception {
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    Path replicaDir = dir.resolve("replica");
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    int txns = 120;
    try (Connection w = SqliteOracle.open(db)) {
      Workload.prepare(w, 4096, 1000);
      Workload load = new Workload(seed, 3, Workload.AppCheckpoint.PASSIVE, 50);
      try (Capture c = Capture.start(CaptureConfig.defaults(data).withDatabase("app", db))) {
        c.awaitDurable("app", 0).get(30, TimeUnit.SECONDS);
        try (Replica r = Replica.open(ReplicaConfig.of("eu", replicaDir))) {
          r.start(new LocalLogSource(data));
          for (int i = 0; i < txns; i++) {
            load.transaction(w);
          }
          c.awaitDurable("app", txns).get(60, TimeUnit.SECONDS);
          r.awaitLsn("app", txns).get(60, TimeUnit.SECONDS);
          try (ReplicaHttpServer s = ReplicaHttpServer.start(r, HttpSettings.secured(0, Set.of(TOKEN)))) {
            Object[] ok = run("verify", "--db", db.toString(), "--replica", s.baseUrl(), "--token", TOKEN, "--data-dir", data.toString());
            assertThat(ok[1].toString()).contains("replica equals the log's rebuild of app.db at LSN " + txns);
            assertThat(ok[0]).isEqualTo(0);
            Object[] live = run("verify", "--db", db.toString(), "--replica", s.baseUrl(), "--token", TOKEN);
            assertThat(live[0]).as("%s", live[1]).isEqualTo(0);
            Object[] noToken = run("verify", "--db", db.toString(), "--replica", s.baseUrl());
            assertThat(noToken[0]).isEqualTo(2);
            assertThat(noToken[1].toString()).contains("401");
          }
        }
      }
    }
    long tampered;
    try (ReplicaStore store = ReplicaStore.open(replicaDir.resolve("rocksdb"), true)) {
      long t = store.load().get(0).tables().get("t").id();
      byte[][] first = new byte[1][];
      try (ReplicaStore.View v = store.view()) {
        v.scan(t, java.util.Optional.empty(), 1, (k, row) -> first[0] = k);
      }
      tampered = KeyCodec.rowidOf(first[0]);
      try (StoreBatch b = store.batch()) {
        b.deleteRow(t, first[0]);
        store.write(b);
      }
    }
    try (Replica r = Replica.open(ReplicaConfig.of("eu", replicaDir));
        ReplicaHttpServer s = ReplicaHttpServer.start(r, HttpSettings.open(0))) {
      Object[] bad = run("verify", "--db", db.toString(), "--replica", s.baseUrl(), "--data-dir", data.toString());
      assertThat(bad[0]).isEqualTo(1);
      assertThat(bad[1].toString()).contains("missing   t key " + tampered + ": source {\"id\":" + tampered)
          .contains("1 differences");
    }

    Object[] replay = run("replay", "--data-dir", data.toString(), "--db", "app", "--to-replica", replicaDir.toString(),
        "--lsn", "100", "--verify");
    assertThat(replay[0]).as("%s", replay[1]).isEqualTo(0);
    assertThat(replay[1].toString()).contains("rebuilt replica").contains("at LSN 100").contains("verified: equal");
    try (Replica r = Replica.open(ReplicaConfig.of("eu", replicaDir))) {
      assertThat(r.lsn("app")).isEqualTo(100);
    }
    Object[] both = run("replay", "--data-dir", data.toString(), "--db", "app", "--to-replica", replicaDir.toString(),
        "--to", dir.resolve("x.db").toString());
    assertThat(both[0]).isEqualTo(2);
  }

  @Test
  void simulate_runsSeeds_andOneSeedAlone() {
    Object[] many = run("simulate", "--seed", "7", "--seeds", "20");
    assertThat(many[0]).as("%s", many[1]).isEqualTo(0);
    assertThat(many[1].toString()).contains("20 seeds from 7 passed");
    Object[] one = run("simulate", "--seed", "7");
    assertThat(one[0]).isEqualTo(0);
    assertThat(one[1].toString()).startsWith("seed 7: ok (30 steps").contains(" trace ");
    String replayed = run("simulate", "--seed", "7")[1].toString();
    assertThat(replayed.lines().findFirst()).as("the same seed, the same trace digest")
        .isEqualTo(one[1].toString().lines().findFirst());
  }

  @Test
  void capture_logEndpointOptions_areChecked() {
    Object[] noPort = run("capture", "--db", "app=" + dir.resolve("a.db"), "--data-dir", dir.toString(), "--open");
    assertThat(noPort[0]).isEqualTo(2);
    assertThat(noPort[1].toString()).contains("give --http-port too");
    Object[] noAuth = run("capture", "--db", "app=" + dir.resolve("a.db"), "--data-dir", dir.toString(), "--http-port", "0");
    assertThat(noAuth[0]).isEqualTo(2);
    assertThat(noAuth[1].toString()).contains("--http-port needs --token");
  }
}
