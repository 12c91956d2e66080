package io.walflow.ingest.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.DigestSettings;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.LogReader;
import io.walflow.ingest.LogRecord;
import io.walflow.ingest.digest.DigestEntry;
import io.walflow.ingest.digest.SqliteDigestOracle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Capture's digests, maintained change by change, equal a from-scratch recomputation of every
 * table read with SQLite, after every commit of a random workload (schema changes, crashes and a
 * lost digest file included).
 */
class CaptureDigestTest {
  private static final int BUCKETS = 16;
  @TempDir Path dir;

  @Test
  void digestEntries_equalSqliteRecomputation_acrossSchemaChangesAndRestarts() throws Exception {
    long seed = Long.getLong("seed", System.nanoTime());
    System.out.println("CaptureDigestTest seed " + seed + " (replay: -Dseed=" + seed + ")");
    Random rnd = new Random(seed);
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    CaptureConfig cfg = CaptureConfig.defaults(data).withDatabase("app", db).withMinFreeDiskBytes(0);
    DigestSettings digests = new DigestSettings(1, Duration.ZERO, BUCKETS);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA wal_autocheckpoint=0");
      s.execute("CREATE TABLE a(id INTEGER PRIMARY KEY, v TEXT, w REAL)");
      s.execute("CREATE TABLE b(k1 TEXT, k2 INTEGER, x BLOB, PRIMARY KEY (k1, k2)) WITHOUT ROWID");
      s.execute("CREATE TABLE c(v, w)");
      CaptureService capture = CaptureService.openStepped(cfg, DecodingChangeEncoder::new, digests);
      int checks = 0;
      try (LogReader reader = LogReader.open(data)) {
        capture.step("app");
        for (int round = 0; round < 40; round++) {
          int txs = 1 + rnd.nextInt(3);
          for (int t = 0; t < txs; t++) {
            write(c, rnd, round);
          }
          if (round == 12) {
            s.execute("ALTER TABLE a ADD COLUMN extra TEXT"); // NULL default: hashes kept
          }
          if (round == 20) {
            s.execute("ALTER TABLE c RENAME TO c2");
            s.execute("ALTER TABLE c2 RENAME TO c");
            s.execute("ALTER TABLE a RENAME COLUMN v TO v2");
          }
          if (round == 15 || round == 30) {
            capture.close(); // a crash between steps: resumes from the saved digest
            if (round == 30) {
              Files.delete(data.resolve("images").resolve("app.digest")); // lost: rebuilt from the image
            }
            capture = CaptureService.openStepped(cfg, DecodingChangeEncoder::new, digests);
          }
          capture.step("app");
          Optional<TreeMap<String, long[]>> published = lastDigestSet(reader);
          if (published.isEmpty()) {
            continue;
          }
          TreeMap<String, long[]> oracle = SqliteDigestOracle.digest(c, BUCKETS);
          assertThat(published.get().keySet()).as("round %d seed %d", round, seed).isEqualTo(oracle.keySet());
          for (String table : oracle.keySet()) {
            assertThat(published.get().get(table)).as("table %s round %d seed %d", table, round, seed)
                .isEqualTo(oracle.get(table));
          }
          checks++;
        }
      } finally {
        capture.close();
      }
      assertThat(checks).isGreaterThan(30);
    }
  }

  private static void write(Connection c, Random rnd, int round) throws Exception {
    c.setAutoCommit(false);
    int n = 1 + rnd.nextInt(6);
    for (int i = 0; i < n; i++) {
      int op = rnd.nextInt(9);
      long id = rnd.nextInt(40);
      String sql = switch (op) {
        case 0, 1 -> "INSERT OR REPLACE INTO a(id, " + (round > 20 ? "v2" : "v") + ", w) VALUES (?, ?, ?)";
        case 2 -> "DELETE FROM a WHERE id = ?";
        case 3, 4 -> "INSERT OR REPLACE INTO b VALUES (?, ?, ?)";
        case 5 -> "DELETE FROM b WHERE k2 = ?";
        case 6 -> "INSERT INTO c VALUES (?, ?)";
        case 7 -> "DELETE FROM c WHERE rowid = ?";
        default -> "UPDATE c SET w = ? WHERE rowid % 3 = 0";
      };
      try (PreparedStatement p = c.prepareStatement(sql)) {
        switch (op) {
          case 0, 1 -> {
            p.setLong(1, id);
            p.setString(2, rnd.nextBoolean() ? "v" + rnd.nextInt(100) : null);
            p.setDouble(3, rnd.nextInt(1000) / 8.0);
          }
          case 2, 5, 7 -> p.setLong(1, id);
          case 3, 4 -> {
            p.setString(1, "k" + rnd.nextInt(5));
            p.setLong(2, id);
            byte[] blob = new byte[rnd.nextInt(20)];
            rnd.nextBytes(blob);
            p.setBytes(3, blob);
          }
          case 6 -> {
            p.setLong(1, rnd.nextInt(1000));
            p.setString(2, "w" + rnd.nextInt(10));
          }
          default -> p.setLong(1, rnd.nextInt(5));
        }
        p.executeUpdate();
      }
    }
    c.commit();
    c.setAutoCommit(true);
  }

  /** The newest complete digest set read so far, by table. */
  private static Optional<TreeMap<String, long[]>> lastDigestSet(LogReader reader) {
    TreeMap<String, long[]> set = null;
    TreeMap<String, long[]> building = new TreeMap<>();
    Optional<LogRecord> r;
    while ((r = reader.next()).isPresent()) {
      if (r.get().entry() instanceof LogEntry.Digest d) {
        DigestEntry e = DigestEntry.decode(d.body(), r.get().position().toString());
        assertThat(e.db()).isEqualTo("app");
        assertThat(e.verified()).isTrue();
        if (e.tableIndex() == 0) {
          building = new TreeMap<>();
        }
        building.put(e.table(), Arrays.copyOf(e.sums(), e.sums().length));
        if (e.tableIndex() == e.tableCount() - 1) {
          set = building;
        }
      }
    }
    return Optional.ofNullable(set);
  }
}
