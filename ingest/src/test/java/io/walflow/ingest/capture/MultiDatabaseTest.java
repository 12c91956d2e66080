package io.walflow.ingest.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.Durability;
import io.walflow.ingest.LogReader;
import io.walflow.ingest.LogRecord;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several databases in one capture, with a commit window and fsync durability. */
class MultiDatabaseTest {
  @TempDir Path dir;

  @Test
  void threeDatabases_ownLsnSequences_windowBatchesAcrossDatabases() throws Exception {
    Path data = dir.resolve("data");
    String[] names = {"a", "b", "c"};
    CaptureConfig cfg = CaptureConfig.defaults(data).withCommitWindow(Duration.ofMillis(20))
        .withDurability(Durability.FSYNC);
    List<Connection> conns = new ArrayList<>();
    List<Workload> loads = new ArrayList<>();
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    for (String n : names) {
      Path db = dir.resolve(n + ".db");
      Connection c = SqliteOracle.open(db);
      Workload.prepare(c, 4096, 1000);
      conns.add(c);
      loads.add(new Workload(seed + n.hashCode(), 1, Workload.AppCheckpoint.PASSIVE, 40));
      cfg = cfg.withDatabase(n, db);
    }
    int txns = 200;
    try (Capture capture = Capture.start(cfg)) {
      for (String n : names) {
        capture.awaitDurable(n, 0).get(30, TimeUnit.SECONDS);
      }
      for (int i = 0; i < txns; i++) {
        for (int d = 0; d < names.length; d++) {
          loads.get(d).transaction(conns.get(d));
        }
      }
      for (String n : names) {
        capture.awaitDurable(n, txns).get(30, TimeUnit.SECONDS);
      }
      assertThat(capture.failure()).isEmpty();
    }
    Map<String, Long> next = new HashMap<>();
    Map<Long, Set<String>> dbsPerDocument = new HashMap<>();
    try (LogReader r = LogReader.open(data)) {
      r.toStart();
      Optional<LogRecord> rec;
      while ((rec = r.next()).isPresent()) {
        var e = rec.get().entry();
        long expected = next.getOrDefault(e.db(), 0L);
        assertThat(e.lsn()).as("LSN of %s", e.db()).isEqualTo(expected);
        next.put(e.db(), expected + 1);
        dbsPerDocument.computeIfAbsent(rec.get().position().index(), k -> new HashSet<>()).add(e.db());
      }
    }
    for (String n : names) {
      assertThat(next.get(n)).isEqualTo(txns + 1);
    }
    assertThat(dbsPerDocument.values().stream().anyMatch(s -> s.size() > 1))
        .as("a commit window holds commits of several databases in one append").isTrue();
    for (int d = 0; d < names.length; d++) {
      Path out = LogAssertions.replay(data, names[d], txns, dir.resolve(names[d] + "-replayed.db"));
      assertThat(SqliteOracle.contents(out)).isEqualTo(SqliteOracle.contents(conns.get(d)));
      conns.get(d).close();
    }
  }
}
