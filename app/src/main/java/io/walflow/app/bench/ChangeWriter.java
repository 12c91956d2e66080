package io.walflow.app.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The application stand-in of the decode benchmarks: the schema of {@link SqliteWriter} ({@code
 * items(id INTEGER PRIMARY KEY, k INTEGER, v TEXT)}, index on {@code k}, WAL, {@code
 * synchronous=NORMAL}), optionally pre-filled, running one of three loads at full speed: inserts,
 * updates of existing rows, deletes of existing rows.
 *
 * <p>SQLite's automatic checkpoints are off ({@code wal_autocheckpoint=0}): the decode suite writes a
 * load while capture is stopped and lets capture read the whole WAL afterwards, which it can only do
 * (without a new snapshot) if the WAL was never checkpointed and restarted in between.
 */
final class ChangeWriter implements AutoCloseable {
  /** What a load does to the rows. */
  enum Kind {
    INSERT, UPDATE, DELETE;

    String word() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Every this-many-th update writes a value larger than a 4 KiB page (an overflow chain). */
  static final int OVERFLOW_EVERY = 10;
  /** Length of the overflow-sized values. */
  static final int OVERFLOW_CHARS = 6_000;

  private final Connection connection;
  private final PreparedStatement insert;
  private final PreparedStatement update;
  private final PreparedStatement delete;
  private final SplittableRandom random = new SplittableRandom(42);
  private final int filled;
  /** Ids 1..filled in random order; deletes take them from the front. */
  private final int[] deleteOrder;
  private int deleted;
  private long seq;

  private ChangeWriter(Connection connection, int filled) throws SQLException {
    this.connection = connection;
    this.filled = filled;
    this.insert = connection.prepareStatement("INSERT INTO items(k, v) VALUES (?, ?)");
    this.update = connection.prepareStatement("UPDATE items SET v = ? WHERE id = ?");
    this.delete = connection.prepareStatement("DELETE FROM items WHERE id = ?");
    this.deleteOrder = new int[filled];
    for (int i = 0; i < filled; i++) {
      deleteOrder[i] = i + 1;
    }
    for (int i = filled - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = deleteOrder[i];
      deleteOrder[i] = deleteOrder[j];
      deleteOrder[j] = t;
    }
  }

  /**
   * Creates the database at {@code path} (WAL, no automatic checkpoints, schema) holding rows with
   * ids {@code 1..rows} (short values, one transaction), and opens the writer on it.
   */
  static ChangeWriter create(Path path, int rows) throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + path);
    try (Statement st = c.createStatement()) {
      st.execute("PRAGMA journal_mode=WAL");
      st.execute("PRAGMA synchronous=NORMAL");
      st.execute("PRAGMA wal_autocheckpoint=0");
      st.execute("PRAGMA busy_timeout=5000");
      st.execute("CREATE TABLE items(id INTEGER PRIMARY KEY, k INTEGER, v TEXT)");
      st.execute("CREATE INDEX items_k ON items(k)");
      c.setAutoCommit(false);
      if (rows > 0) {
        SplittableRandom r = new SplittableRandom(7);
        try (PreparedStatement ins = c.prepareStatement("INSERT INTO items(id, k, v) VALUES (?, ?, ?)")) {
          for (int id = 1; id <= rows; id++) {
            ins.setInt(1, id);
            ins.setInt(2, r.nextInt(1_000_000));
            ins.setString(3, "row-" + id);
            ins.executeUpdate();
          }
        }
        c.commit();
      }
    } catch (SQLException e) {
      c.close();
      throw e;
    }
    return new ChangeWriter(c, rows);
  }

  /**
   * Commits transactions of {@code rowsPerTxn} row changes of {@code kind} at full speed, for
   * {@code nanos} or {@code maxCommits} transactions, whichever comes first. A delete load also
   * stops when the next transaction would find too few rows left. Every statement changes exactly
   * one row, and no row is changed twice in one transaction, so the load's row count is the number
   * of row changes a decoder must report.
   */
  SqliteWriter.Load run(Kind kind, int rowsPerTxn, long nanos, long maxCommits) throws SQLException {
    if (kind != Kind.INSERT && filled < rowsPerTxn) {
      throw new IllegalStateException(kind.word() + " load needs rows to work on; the table was filled with " + filled);
    }
    long start = System.nanoTime();
    long end = start + nanos;
    long n = 0;
    long last = start;
    Set<Integer> inTxn = new HashSet<>();
    while (last < end && n < maxCommits) {
      if (kind == Kind.DELETE && deleted + rowsPerTxn > filled) {
        break;
      }
      inTxn.clear();
      for (int i = 0; i < rowsPerTxn; i++) {
        seq++;
        switch (kind) {
          case INSERT -> {
            insert.setInt(1, random.nextInt(1_000_000));
            insert.setString(2, "row-" + seq);
            changeOne(insert);
          }
          case UPDATE -> {
            int id;
            do {
              id = 1 + random.nextInt(filled);
            } while (!inTxn.add(id));
            update.setString(1, seq % OVERFLOW_EVERY == 0 ? big(seq) : "upd-" + seq);
            update.setInt(2, id);
            changeOne(update);
          }
          case DELETE -> {
            delete.setInt(1, deleteOrder[deleted++]);
            changeOne(delete);
          }
        }
      }
      connection.commit();
      last = System.nanoTime();
      n++;
    }
    return new SqliteWriter.Load(n, n * rowsPerTxn, last - start, last);
  }

  private static void changeOne(PreparedStatement st) throws SQLException {
    int changed = st.executeUpdate();
    if (changed != 1) {
      throw new IllegalStateException("a benchmark statement changed " + changed + " rows instead of 1");
    }
  }

  /** A unique value of {@link #OVERFLOW_CHARS} characters. */
  private static String big(long seq) {
    StringBuilder b = new StringBuilder(OVERFLOW_CHARS).append("big-").append(seq).append('-');
    while (b.length() < OVERFLOW_CHARS) {
      b.append((char) ('a' + (b.length() * 7 + seq) % 26));
    }
    return b.toString();
  }

  @Override
  public void close() throws SQLException {
    try {
      insert.close();
      update.close();
      delete.close();
    } finally {
      connection.close();
    }
  }
}
