package io.walflow.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walflow.ingest.Capture;
import io.walflow.ingest.capture.SqliteOracle;
import io.walflow.ingest.change.Value;
import io.walflow.replica.client.ReplicaClient;
import io.walflow.replica.http.HttpSettings;
import io.walflow.replica.http.ReplicaHttpServer;
import io.walflow.replica.source.LocalLogSource;
import io.walflow.replica.store.KeyCodec;
import io.walflow.replica.store.ReplicaStore;
import io.walflow.replica.store.StoreBatch;
import io.walflow.replica.store.TableSchema;
import io.walflow.replica.verify.Difference;
import io.walflow.replica.verify.Report;
import io.walflow.replica.verify.ReplicaView;
import io.walflow.replica.verify.Verifier;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Verify against a real capture and replica: equal right after replication (from the log's
 * rebuild at the replica's LSN, and from the live file), then rows tampered with in the replica's
 * RocksDB behind its back are each named, by table and key.
 */
class VerifyTest {
  @TempDir Path dir;

  @Test
  void equalReplica_verifies_tamperedRows_areNamed() throws Exception {
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    Path replicaDir = dir.resolve("replica");
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    CapturedReplicaTest.App app = new CapturedReplicaTest.App(seed);
    try (Connection w = SqliteOracle.open(db); Capture c = CapturedReplicaTest.start(data, db, w)) {
      long end;
      try (Replica r = Replica.open(ReplicaConfig.of("eu", replicaDir));
          ReplicaHttpServer server = ReplicaHttpServer.start(r, HttpSettings.secured(0, Set.of("t0ken")))) {
        r.start(new LocalLogSource(data));
        for (int i = 0; i < 300; i++) {
          app.transaction(w);
        }
        end = CapturedReplicaTest.durableAt(c, app.txn);
        assertThat(r.awaitLsn("app", end).get(60, TimeUnit.SECONDS)).isEqualTo(end);
        ReplicaView http = ReplicaView.over(new ReplicaClient(server.baseUrl(), Optional.of("t0ken")));

        Report fromLog = Verifier.verify(db, Optional.of(data), http, "app", Duration.ofSeconds(30), dir, 100);
        assertThat(fromLog.differences()).as("seed %d", seed).isEmpty();
        assertThat(fromLog.equal()).isTrue();
        assertThat(fromLog.lsn()).isEqualTo(end);
        assertThat(fromLog.sourceLsn()).isEqualTo(end);
        assertThat(fromLog.tables()).as("t, people, extra").isEqualTo(3);
        assertThat(fromLog.rows()).isPositive();

        Report live = Verifier.verify(db, Optional.empty(), http, "app", Duration.ofSeconds(30), dir, 100);
        assertThat(live.equal()).as("seed %d: %s", seed, live.differences()).isTrue();
        assertThat(live.sourceLsn()).isEqualTo(-1);
      }

      // Behind the replica's back: one row deleted, one changed, one added in t; one changed in people.
      List<Long> ids = new ArrayList<>();
      List<Value> person;
      try (Statement st = w.createStatement()) {
        try (ResultSet rs = st.executeQuery("SELECT id FROM t ORDER BY id")) {
          while (rs.next()) {
            ids.add(rs.getLong(1));
          }
        }
        try (ResultSet rs = st.executeQuery("SELECT last, first FROM people ORDER BY last, first LIMIT 1")) {
          assertThat(rs.next()).as("people has rows (seed %d)", seed).isTrue();
          person = List.of(Value.of(rs.getString(1)), Value.of(rs.getString(2)));
        }
      }
      assertThat(ids).hasSizeGreaterThan(3);
      long gone = ids.get(0);
      long changed = ids.get(ids.size() / 2);
      long donor = ids.get(ids.size() - 1);
      long extra = donor + 1000;
      try (ReplicaStore store = ReplicaStore.open(replicaDir.resolve("rocksdb"), true)) {
        Map<String, TableSchema> tables = store.load().get(0).tables();
        long t = tables.get("t").id();
        long people = tables.get("people").id();
        byte[] donorRow = store.get(t, KeyCodec.rowid(donor)).orElseThrow();
        byte[] personKey = KeyCodec.values(person);
        List<byte[]> otherPeople = new ArrayList<>();
        try (ReplicaStore.View v = store.view()) {
          v.scan(people, Optional.empty(), 2, (k, row) -> {
            if (!java.util.Arrays.equals(k, personKey)) {
              otherPeople.add(row);
            }
          });
        }
        assertThat(otherPeople).as("people has two rows (seed %d)", seed).isNotEmpty();
        byte[] otherPerson = otherPeople.get(0);
        try (StoreBatch b = store.batch()) {
          b.deleteRow(t, KeyCodec.rowid(gone));
          b.putRow(t, KeyCodec.rowid(changed), donorRow);
          b.putRow(t, KeyCodec.rowid(extra), donorRow);
          b.putRow(people, KeyCodec.values(person), otherPerson);
          store.write(b);
        }
      }

      try (Replica r = Replica.open(ReplicaConfig.of("eu", replicaDir));
          ReplicaHttpServer server = ReplicaHttpServer.start(r, HttpSettings.secured(0, Set.of("t0ken")))) {
        r.start(new LocalLogSource(data));
        assertThat(r.lsn("app")).isEqualTo(end);
        ReplicaView http = ReplicaView.over(new ReplicaClient(server.baseUrl(), Optional.of("t0ken")));
        Report bad = Verifier.verify(db, Optional.of(data), http, "app", Duration.ofSeconds(30), dir, 100);
        bad.differences().forEach(d -> System.out.println(d.describe()));
        assertThat(bad.consistent()).isTrue();
        assertThat(bad.equal()).isFalse();
        assertThat(bad.differenceCount()).isEqualTo(4);
        assertThat(bad.differences()).extracting(Difference::kind, Difference::table, Difference::key).containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(Difference.Kind.MISSING_ROW, "t", List.of(Value.of(gone))),
            org.assertj.core.groups.Tuple.tuple(Difference.Kind.DIFFERENT_ROW, "t", List.of(Value.of(changed))),
            org.assertj.core.groups.Tuple.tuple(Difference.Kind.EXTRA_ROW, "t", List.of(Value.of(extra))),
            org.assertj.core.groups.Tuple.tuple(Difference.Kind.DIFFERENT_ROW, "people", person));
        assertThat(bad.differences().stream().filter(d -> d.kind() == Difference.Kind.MISSING_ROW).findFirst().orElseThrow()
            .describe()).startsWith("missing   t key " + gone + ": source {\"id\":" + gone);

        Report live = Verifier.verify(db, Optional.empty(), http, "app", Duration.ofMillis(500), dir, 2);
        assertThat(live.differenceCount()).isEqualTo(4);
        assertThat(live.differences()).hasSize(2);
      }
    }
  }

  @Test
  void databaseNotOnReplicaYet_verifyWaitsForIt_unknownDatabase_namesWhatExists() throws Exception {
    Path db = dir.resolve("late.db");
    Path data = dir.resolve("data");
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    CapturedReplicaTest.App app = new CapturedReplicaTest.App(seed);
    try (Capture c = Capture.start(io.walflow.ingest.CaptureConfig.defaults(data).withDatabase("app", db));
        Replica r = Replica.open(ReplicaConfig.of("eu", dir.resolve("replica")))) {
      r.start(new LocalLogSource(data));
      java.util.concurrent.atomic.AtomicInteger looks = new java.util.concurrent.atomic.AtomicInteger();
      ReplicaView counting = new ReplicaView() {
        @Override
        public io.walflow.replica.ReplicaStatus status() {
          looks.incrementAndGet();
          return r.status();
        }

        @Override
        public io.walflow.replica.RangeRead scan(String d, String table, Optional<String> after, int limit) {
          return ReplicaView.over(r).scan(d, table, after, limit);
        }
      };
      java.util.concurrent.CompletableFuture<Report> verify = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        try {
          return Verifier.verify(db, Optional.empty(), counting, "app", Duration.ofSeconds(120), dir, 100);
        } catch (Exception e) {
          throw new java.util.concurrent.CompletionException(e);
        }
      });
      // verify has looked at the replica (twice) while the database did not exist anywhere yet
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> looks.get() >= 2);
      assertThat(r.status().databases()).doesNotContainKey("app");
      assertThat(verify).isNotDone();
      try (Connection w = SqliteOracle.open(db)) {
        CapturedReplicaTest.App.prepare(w);
        for (int i = 0; i < 60; i++) {
          app.transaction(w);
        }
        Report report = verify.get(150, TimeUnit.SECONDS);
        assertThat(report.equal()).as("seed %d: %s", seed, report.differences()).isTrue();
      }
      assertThatThrownBy(() -> Verifier.verify(db, Optional.empty(), ReplicaView.over(r), "nope", Duration.ofMillis(300), dir, 10))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("no database 'nope'")
          .hasMessageContaining("[app]");
    }
  }
}
