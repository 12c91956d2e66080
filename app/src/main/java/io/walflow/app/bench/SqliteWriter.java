package io.walflow.app.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The application stand-in of the capture benchmarks: one connection inserting into
 * {@code items(id INTEGER PRIMARY KEY, k INTEGER, v TEXT)} with an index on {@code k}, in WAL mode
 * with {@code synchronous=NORMAL}, as a typical application would.
 *
 * <p>{@link #create} makes the database (schema included) so that a capture started afterwards
 * snapshots it as LSN 0 and the writer's k-th commit becomes LSN k.
 */
final class SqliteWriter implements AutoCloseable {
  /** SQLite's busy timeout: capture takes the write lock for an instant when it checkpoints. */
  private static final int BUSY_TIMEOUT_MS = 5_000;

  private final Connection connection;
  private final PreparedStatement insert;
  private final SplittableRandom random = new SplittableRandom(42);
  /** Transactions committed so far; read by the progress thread. */
  private final AtomicLong commits = new AtomicLong();
  private long rowSeq;

  private SqliteWriter(Connection connection) throws SQLException {
    this.connection = connection;
    this.insert = connection.prepareStatement("INSERT INTO items(k, v) VALUES (?, ?)");
  }

  /** Creates the database at {@code path} (WAL mode, schema) and opens the writer on it. */
  static SqliteWriter create(Path path) throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + path);
    try (Statement st = c.createStatement()) {
      st.execute("PRAGMA journal_mode=WAL");
      st.execute("PRAGMA synchronous=NORMAL");
      st.execute("PRAGMA busy_timeout=" + BUSY_TIMEOUT_MS);
      st.execute("CREATE TABLE items(id INTEGER PRIMARY KEY, k INTEGER, v TEXT)");
      st.execute("CREATE INDEX items_k ON items(k)");
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    c.setAutoCommit(false);
    return new SqliteWriter(c);
  }

  /** Transactions committed so far (any thread). */
  long commits() {
    return commits.get();
  }

  /**
   * What one load produced.
   *
   * @param commits transactions committed
   * @param rows rows inserted
   * @param elapsedNanos from the first transaction's start to the last commit's return
   * @param lastCommitNanos {@link System#nanoTime()} right after the last commit returned
   */
  record Load(long commits, long rows, long elapsedNanos, long lastCommitNanos) {
    double commitsPerSecond() {
      return commits / (elapsedNanos / 1e9);
    }

    double rowsPerSecond() {
      return rows / (elapsedNanos / 1e9);
    }
  }

  /**
   * Commits transactions of {@code rowsPerTxn} rows for {@code nanos}, as fast as possible when
   * {@code ratePerSecond} is 0, else paced at that rate (on a fixed schedule, so a late commit does
   * not shift the ones after it).
   *
   * @param commitNanos when not null, entry k receives {@link System#nanoTime()} right after the
   *     k-th commit of this load returned (entries past its end are not recorded)
   */
  Load run(long nanos, int rowsPerTxn, int ratePerSecond, long[] commitNanos) throws SQLException {
    long interval = ratePerSecond > 0 ? TimeUnit.SECONDS.toNanos(1) / ratePerSecond : 0;
    long start = System.nanoTime();
    long end = start + nanos;
    long next = start;
    long n = 0;
    long last = start;
    while (last < end) {
      for (int i = 0; i < rowsPerTxn; i++) {
        insert.setInt(1, random.nextInt(1_000_000));
        insert.setString(2, "row-" + (++rowSeq));
        insert.executeUpdate();
      }
      connection.commit();
      last = System.nanoTime();
      n++;
      commits.lazySet(commits.get() + 1);
      if (commitNanos != null && n < commitNanos.length) {
        commitNanos[(int) n] = last;
      }
      if (interval > 0) {
        next += interval;
        long wait;
        while ((wait = next - System.nanoTime()) > 0) {
          LockSupport.parkNanos(wait);
        }
      }
    }
    return new Load(n, n * rowsPerTxn, last - start, last);
  }

  @Override
  public void close() throws SQLException {
    try {
      insert.close();
    } finally {
      connection.close();
    }
  }
}
