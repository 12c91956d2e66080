package io.walflow.dataflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.walflow.ingest.LogReader;
import io.walflow.ingest.LogRecord;
import io.walflow.ingest.change.Change;
import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.change.Value;
import io.walflow.ingest.feed.ChangeFeed;
import io.walflow.ingest.feed.TransactionSink;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lookups race the stream: reader threads look up random keys of partial views under a tiny
 * memory bound (so most lookups miss and run an upquery) while the captured log is applied. Every
 * answer must equal SQLite's result at the LSN the answer says it is valid at.
 */
class UpqueryRaceTest {
  @TempDir Path dir;

  record Answer(String view, List<Value> key, long lsn, List<List<Value>> rows) {}

  @Test
  void lookupsDuringTransactions_matchSqliteAtTheirLsn() throws Exception {
    long seed = new Random().nextLong();
    System.out.println("upquery race seed " + seed);
    CapturedWorkload w = CapturedWorkload.run(dir, seed, 20, 120);
    List<QueryCatalogue.Case> cases = QueryCatalogue.all().stream()
        .filter(c -> ViewOraclePropertyTest.TINY_VIEWS.contains(c.name())).toList();
    ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    AtomicBoolean done = new AtomicBoolean();
    CountDownLatch ready = new CountDownLatch(1);
    try (Dataflow d = Dataflow.open(DataflowConfig.defaults(dir.resolve("engine"))
        .withMemoryBound(80_000).withWorkerThreads(2))) {
      List<Thread> readers = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        Random r = new Random(seed + t);
        Thread th = new Thread(() -> {
          try {
            ready.await();
            while (!done.get()) {
              QueryCatalogue.Case c = cases.get(r.nextInt(cases.size()));
              List<Value> key = c.keys().get(r.nextInt(c.keys().size()));
              ViewResult res = d.lookup(c.name(), key, 0, Duration.ofSeconds(5));
              answers.add(new Answer(c.name(), key, res.lsn(), res.rows()));
            }
          } catch (Throwable e) {
            errors.add(e);
          }
        }, "race-reader-" + t);
        th.start();
        readers.add(th);
      }
      TransactionSink sink = new TransactionSink() {
        @Override
        public void snapshotBegin(String db, long lsn, Instant at) {
          d.snapshotBegin(db, lsn, at);
        }

        @Override
        public void snapshotChange(String db, long lsn, Change change) {
          d.snapshotChange(db, lsn, change);
        }

        @Override
        public void snapshotEnd(String db, long lsn) {
          d.snapshotEnd(db, lsn);
          try {
            for (QueryCatalogue.Case c : cases) {
              c.create(d);
            }
          } catch (QueryException e) {
            throw new AssertionError(e);
          }
          ready.countDown();
        }

        @Override
        public void commit(String db, long lsn, Instant at, ChangeSet changes) {
          d.commit(db, lsn, at, changes);
          Thread.yield();
        }
      };
      try (LogReader reader = LogReader.open(w.dataDir); ChangeFeed feed = new ChangeFeed(dir.resolve("tmp"), sink)) {
        reader.toStart();
        Optional<LogRecord> rec;
        while ((rec = reader.next()).isPresent()) {
          feed.accept(rec.get().entry());
        }
      }
      // Every reader answers at least once more at the final LSN before the readers stop.
      int atEnd = answers.size();
      await().atMost(Duration.ofSeconds(60)).until(() -> answers.size() >= atEnd + readers.size() || !errors.isEmpty());
      done.set(true);
      for (Thread th : readers) {
        th.join();
      }
      System.out.println("race: " + answers.size() + " answers, " + d.evictions() + " evictions");
    }
    assertThat(errors).as("reader errors (seed %d)", seed).isEmpty();
    verify(w, answers, seed);
  }

  /** Replays the workload on an oracle and checks each answer at its LSN. */
  private static void verify(CapturedWorkload w, ConcurrentLinkedQueue<Answer> answers, long seed) throws Exception {
    Map<Long, List<Answer>> byLsn = new TreeMap<>();
    long first = Long.MAX_VALUE;
    for (Answer a : answers) {
      byLsn.computeIfAbsent(a.lsn(), x -> new ArrayList<>()).add(a);
      first = Math.min(first, a.lsn());
    }
    long snapshotLsn = 0;
    Map<String, String> sql = new java.util.HashMap<>();
    QueryCatalogue.all().forEach(c -> sql.put(c.name(), c.sql()));
    int checked = 0;
    try (Connection oracle = DriverManager.getConnection("jdbc:sqlite::memory:")) {
      try (Statement st = oracle.createStatement()) {
        for (String s : w.setup) {
          st.execute(s);
        }
      }
      for (int txn = 0; txn <= w.transactions.size(); txn++) {
        if (txn > 0) {
          try (Statement st = oracle.createStatement()) {
            for (String s : w.transactions.get(txn - 1)) {
              st.execute(s);
            }
          }
        }
        for (Answer a : byLsn.getOrDefault(snapshotLsn + txn, List.of())) {
          List<String> expected = new ArrayList<>(ViewOracle.sqliteRows(oracle, sql.get(a.view()), a.key()));
          List<String> actual = new ArrayList<>(a.rows().stream().map(ViewOracle::render).toList());
          expected.sort(null);
          actual.sort(null);
          assertThat(actual).as("seed %d: %s %s at LSN %d", seed, a.view(), a.key(), a.lsn()).isEqualTo(expected);
          checked++;
        }
      }
    }
    assertThat(checked).isEqualTo(answers.size());
  }
}
