package io.walflow.dataflow;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.capture.SqliteOracle;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * A random application workload on two tables, run on a real SQLite database while {@link Capture}
 * records it: the log then holds a snapshot of the seeded database and one commit per transaction.
 * Each transaction is kept as SQL text so that an oracle database can replay it in step.
 *
 * <pre>
 * t(id INTEGER PRIMARY KEY, k INTEGER, v INTEGER, s TEXT, r REAL)   small value domains, NULLs
 * u(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER)                 join partner of t.k
 * </pre>
 */
final class CapturedWorkload {
  static final List<String> SCHEMA = List.of(
      "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, v INTEGER, s TEXT, r REAL)",
      "CREATE TABLE u(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER)",
      "CREATE INDEX t_k ON t(k)");

  final Path dataDir;
  /** Statements that create and seed the database (in the snapshot). */
  final List<String> setup = new ArrayList<>(SCHEMA);
  /** The statements of each captured transaction, in commit order. */
  final List<List<String>> transactions = new ArrayList<>();

  private final Random random;
  private final List<Long> tIds = new ArrayList<>();
  private final TreeSet<Long> uIds = new TreeSet<>();
  private long nextT = 1;

  private CapturedWorkload(Path dataDir, long seed) {
    this.dataDir = dataDir;
    this.random = new Random(seed);
  }

  /** Seeds, captures {@code txns} random transactions, and stops capture once all are durable. */
  static CapturedWorkload run(Path dir, long seed, int seedRows, int txns) throws Exception {
    CapturedWorkload w = new CapturedWorkload(dir.resolve("log"), seed);
    Path db = dir.resolve("app.db");
    try (Connection c = SqliteOracle.open(db)) {
      try (Statement st = c.createStatement()) {
        st.execute("PRAGMA journal_mode=WAL");
        st.execute("PRAGMA synchronous=NORMAL");
        st.execute("PRAGMA busy_timeout=5000");
        for (String s : SCHEMA) {
          st.execute(s);
        }
        for (int i = 0; i < seedRows; i++) {
          String s = w.randomOp(true);
          w.setup.add(s);
          st.execute(s);
        }
      }
      try (Capture capture = Capture.start(CaptureConfig.defaults(w.dataDir).withDatabase("app", db))) {
        capture.awaitDurable("app", 0).get(30, TimeUnit.SECONDS);
        long start = capture.durableLsn("app");
        for (int i = 0; i < txns; i++) {
          List<String> txn = new ArrayList<>();
          txn.add(w.insertT());
          int more = w.random.nextInt(4);
          for (int j = 0; j < more; j++) {
            txn.add(w.randomOp(false));
          }
          c.setAutoCommit(false);
          try (Statement st = c.createStatement()) {
            for (String s : txn) {
              st.execute(s);
            }
          }
          c.commit();
          c.setAutoCommit(true);
          w.transactions.add(txn);
        }
        capture.awaitDurable("app", start + txns).get(60, TimeUnit.SECONDS);
        if (capture.failure().isPresent()) {
          throw new AssertionError("capture failed", capture.failure().get());
        }
      }
    }
    return w;
  }

  private String randomOp(boolean seeding) {
    int op = random.nextInt(10);
    if (seeding || op < 4 || tIds.size() < 3) {
      return random.nextInt(3) == 0 ? upsertU() : insertT();
    }
    if (op < 7) {
      long id = tIds.get(random.nextInt(tIds.size()));
      return switch (random.nextInt(4)) {
        case 0 -> "UPDATE t SET k = " + k() + " WHERE id = " + id;
        case 1 -> "UPDATE t SET v = " + v() + ", s = " + s() + " WHERE id = " + id;
        case 2 -> "UPDATE t SET r = " + r() + ", k = " + k() + " WHERE id = " + id;
        default -> "UPDATE t SET v = v + 1 WHERE k = " + random.nextInt(6);
      };
    }
    if (op < 8) {
      return upsertU();
    }
    if (op < 9 && !uIds.isEmpty()) {
      long id = uIds.pollFirst();
      if (random.nextBoolean()) {
        uIds.add(id);
        return "UPDATE u SET grp = " + random.nextInt(3) + " WHERE id = " + id;
      }
      return "DELETE FROM u WHERE id = " + id;
    }
    int at = random.nextInt(tIds.size());
    long id = tIds.get(at);
    tIds.set(at, tIds.get(tIds.size() - 1));
    tIds.remove(tIds.size() - 1);
    return "DELETE FROM t WHERE id = " + id;
  }

  private String insertT() {
    long id = nextT++;
    tIds.add(id);
    return "INSERT INTO t VALUES (" + id + ", " + k() + ", " + v() + ", " + s() + ", " + r() + ")";
  }

  private String upsertU() {
    long id = random.nextInt(7);
    uIds.add(id);
    return "INSERT OR REPLACE INTO u VALUES (" + id + ", " + s() + ", " + random.nextInt(3) + ")";
  }

  private String k() {
    return random.nextInt(10) == 0 ? "NULL" : Integer.toString(random.nextInt(6));
  }

  private String v() {
    return random.nextInt(8) == 0 ? "NULL" : Integer.toString(random.nextInt(13) - 3);
  }

  private String s() {
    String[] all = {"'a'", "'b'", "'B'", "'ab'", "NULL", "'zz'"};
    return all[random.nextInt(all.length)];
  }

  private String r() {
    return random.nextInt(6) == 0 ? "NULL" : Double.toString((random.nextInt(21) - 10) * 0.5);
  }
}
