package io.walflow.ingest.capture;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Random;

/**
 * A deterministic application workload: inserts, updates and deletes on an indexed table with
 * some values larger than a page (overflow chains), and the application's own checkpoints.
 */
public final class Workload {
  /** Which checkpoint the application runs every {@code checkpointEvery} transactions. */
  public enum AppCheckpoint { NONE, PASSIVE, FULL, RESTART, TRUNCATE }

  private final Random random;
  private final int rowsPerTxn;
  private final AppCheckpoint checkpoint;
  private final int checkpointEvery;
  private long nextId = 1;
  /** Ids of rows that exist, so that every update and delete changes something (one commit per transaction). */
  private final java.util.ArrayList<Long> live = new java.util.ArrayList<>();
  private long txns;

  public Workload(long seed, int rowsPerTxn, AppCheckpoint checkpoint, int checkpointEvery) {
    this.random = new Random(seed);
    this.rowsPerTxn = rowsPerTxn;
    this.checkpoint = checkpoint;
    this.checkpointEvery = checkpointEvery;
  }

  /** Sets up the connection (WAL mode, page size for a new file, autocheckpoint) and the schema. */
  public static void prepare(Connection c, int pageSize, int autocheckpoint) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute("PRAGMA page_size=" + pageSize);
      st.execute("PRAGMA journal_mode=WAL");
      st.execute("PRAGMA synchronous=NORMAL");
      st.execute("PRAGMA busy_timeout=2000");
      st.execute("PRAGMA wal_autocheckpoint=" + autocheckpoint);
      st.execute("CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, k INTEGER, v BLOB)");
      st.execute("CREATE INDEX IF NOT EXISTS t_k ON t(k)");
    }
  }

  /** Runs one transaction (and, every so often, the application's checkpoint). */
  public void transaction(Connection c) throws SQLException {
    c.setAutoCommit(false);
    try (PreparedStatement ins = c.prepareStatement("INSERT INTO t(id, k, v) VALUES (?, ?, ?)");
        PreparedStatement upd = c.prepareStatement("UPDATE t SET k = ?, v = ? WHERE id = ?");
        PreparedStatement del = c.prepareStatement("DELETE FROM t WHERE id = ?")) {
      for (int i = 0; i < rowsPerTxn; i++) {
        int op = random.nextInt(10);
        if (op < 6 || live.size() < 10) {
          live.add(nextId);
          ins.setLong(1, nextId++);
          ins.setInt(2, random.nextInt(1000));
          ins.setBytes(3, value());
          ins.executeUpdate();
        } else if (op < 9) {
          upd.setInt(1, random.nextInt(1000));
          upd.setBytes(2, value());
          upd.setLong(3, live.get(random.nextInt(live.size())));
          upd.executeUpdate();
        } else {
          int at = random.nextInt(live.size());
          del.setLong(1, live.get(at));
          live.set(at, live.get(live.size() - 1));
          live.remove(live.size() - 1);
          del.executeUpdate();
        }
      }
    }
    c.commit();
    c.setAutoCommit(true);
    txns++;
    if (checkpoint != AppCheckpoint.NONE && txns % checkpointEvery == 0) {
      try (Statement st = c.createStatement()) {
        st.execute("PRAGMA wal_checkpoint(" + checkpoint.name() + ")");
      }
    }
  }

  private byte[] value() {
    // Mostly small values; one in twenty is larger than a 4 KiB page (an overflow chain).
    int n = random.nextInt(20) == 0 ? 5000 + random.nextInt(20000) : 10 + random.nextInt(100);
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }
}
