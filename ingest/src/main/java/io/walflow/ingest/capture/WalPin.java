package io.walflow.ingest.capture;

import io.walflow.ingest.CaptureException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.sqlite.BusyHandler;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteOpenMode;

/**
 * Keeps a SQLite read transaction open on the captured database at all times, so that SQLite
 * cannot restart the WAL over frames capture has not read yet — and owns capture's checkpoints.
 *
 * <h2>Why frames cannot be lost</h2>
 * SQLite overwrites WAL frames only when a writer restarts the WAL, which it does only when every
 * frame has been checkpointed ("backfilled") and no reader holds a read mark other than 0
 * (src/wal.c, walRestartLog). A checkpoint never backfills past the read mark of a live reader, and
 * a reader that holds mark 0 blocks backfill altogether. Capture therefore cycles two connections:
 * it begins a read transaction on the spare one ({@link #acquire()}), reads every committed frame
 * in the WAL, and only then ends the older transaction ({@link #releasePrevious()}). At every
 * instant one of our read transactions is open, and it was begun after capture had read every frame
 * that a checkpoint could since have backfilled; so a restart can only happen once capture has read
 * every frame of the generation being discarded.
 *
 * <h2>Checkpoints</h2>
 * Because a reader is always open, SQLite's own autocheckpoint can backfill but never restart the
 * WAL while writes continue. {@link #backfill()} first copies what capture has read, without any
 * lock. {@link #checkpoint} then makes a short quiet moment: it takes the
 * write lock (so no frame can be added), lets the caller read to the end, backfills everything
 * (PASSIVE), begins a fresh read transaction (which SQLite then gives read mark 0) and releases the
 * write lock. It then restarts the WAL itself (RESTART, or TRUNCATE when the file is large), which
 * only succeeds if nothing was written meanwhile and otherwise changes nothing.
 */
final class WalPin implements AutoCloseable {
  /** How long capture waits for SQLite locks before reporting them (application writers hold them briefly). */
  private static final int BUSY_TIMEOUT_MS = 5_000;
  /**
   * How long capture waits for the write lock of its own checkpoints: long enough to get between
   * the transactions of a busy writer, short enough not to hold up an application checkpoint of
   * mode RESTART or TRUNCATE, which holds that lock while it waits for readers (ours). Capture tries
   * again after a later poll.
   */
  private static final int CHECKPOINT_LOCK_TIMEOUT_MS = 20;

  private final String db;
  private final Path path;
  private final Connection[] readers = new Connection[2];
  private final Connection writeLock;
  private final WriteLockWait writeLockWait = new WriteLockWait();
  private final Connection checkpointer;
  private int current = -1;
  private int previous = -1;

  /** Result of {@code PRAGMA wal_checkpoint}: frames in the WAL and frames checkpointed. */
  record CheckpointResult(boolean busy, int logFrames, int checkpointedFrames) {
    boolean complete() {
      return !busy && logFrames == checkpointedFrames;
    }
  }

  WalPin(String db, Path path) {
    this.db = db;
    this.path = path;
    this.readers[0] = open(BUSY_TIMEOUT_MS);
    this.readers[1] = open(BUSY_TIMEOUT_MS);
    this.writeLock = open(0); // waits through writeLockWait instead (see beginImmediate)
    try {
      BusyHandler.setHandler(writeLock, writeLockWait);
    } catch (SQLException e) {
      throw new CaptureException(db, "cannot set a busy handler on " + path + ": " + e.getMessage(), e);
    }
    this.checkpointer = open(0);
    checkJournalMode();
  }

  /**
   * Retries the write lock every ~50 µs until a deadline. SQLite's own busy handler sleeps 1, 2, 5,
   * 10… ms between attempts, and a writer that commits back to back holds the lock almost all the
   * time: a few attempts that far apart mostly missed the moments it was free, so capture's
   * checkpoints and catch-up waited on luck.
   */
  private static final class WriteLockWait extends BusyHandler {
    private static final long RETRY_NANOS = 50_000;
    private long deadline;

    void until(long deadlineNanos) {
      deadline = deadlineNanos;
    }

    @Override
    protected int callback(int attempts) {
      if (System.nanoTime() >= deadline) {
        return 0;
      }
      LockSupport.parkNanos(RETRY_NANOS);
      return 1;
    }
  }

  private Connection open(int busyTimeoutMs) {
    SQLiteConfig cfg = new SQLiteConfig();
    cfg.resetOpenMode(SQLiteOpenMode.CREATE);
    cfg.setBusyTimeout(busyTimeoutMs);
    try {
      return cfg.createConnection("jdbc:sqlite:" + path);
    } catch (SQLException e) {
      throw new CaptureException(db, "cannot open " + path + " with SQLite: " + e.getMessage()
          + " (walflow needs read access to the database and read-write access to its -wal and -shm files)", e);
    }
  }

  private void checkJournalMode() {
    try (Statement st = readers[0].createStatement(); ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
      String mode = rs.next() ? rs.getString(1) : "?";
      if (!"wal".equalsIgnoreCase(mode)) {
        throw new CaptureException(db, path + " is in journal_mode=" + mode + "; walflow captures databases in WAL mode: run "
            + "`PRAGMA journal_mode=WAL;` once on the database (the setting is persistent)");
      }
    } catch (SQLException e) {
      throw busyOrOther(e, "checking journal_mode");
    }
  }

  /** Begins a read transaction on the spare connection; the older one stays open. */
  void acquire() {
    int next = current == 0 ? 1 : 0;
    if (next == previous) {
      releasePrevious();
    }
    try (Statement st = readers[next].createStatement()) {
      st.execute("BEGIN");
      try (ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_schema")) {
        rs.next();
      }
    } catch (SQLException e) {
      rollbackQuietly(readers[next]);
      throw busyOrOther(e, "beginning a read transaction");
    }
    previous = current;
    current = next;
  }

  /** Ends the older read transaction, if any. */
  void releasePrevious() {
    if (previous < 0) {
      return;
    }
    try (Statement st = readers[previous].createStatement()) {
      st.execute("COMMIT");
    } catch (SQLException e) {
      throw busyOrOther(e, "ending a read transaction");
    }
    previous = -1;
  }

  /**
   * Runs capture's checkpoint (see the class comment). {@code readToEnd} is called with the write
   * lock held and must read every committed frame; it is also called again after the fresh read
   * transaction begins.
   *
   * @return false when the write lock was not available (an application transaction is running)
   */
  boolean checkpoint(Runnable readToEnd, boolean truncate) {
    try (Statement lock = writeLock.createStatement()) {
      if (!beginImmediate(lock)) {
        return false;
      }
      boolean complete;
      try {
        acquire();
        readToEnd.run();
        releasePrevious();
        complete = run("PASSIVE").complete();
        if (complete) {
          acquire();
          readToEnd.run();
          releasePrevious();
        }
      } finally {
        lock.execute("ROLLBACK");
      }
      if (complete) {
        // Restart the WAL now rather than wait for the application's next write, which would find
        // a renewed (non-zero) read mark of ours if capture polled first. RESTART and TRUNCATE take
        // the write lock themselves and fail harmlessly if anything was written meanwhile.
        run(truncate ? "TRUNCATE" : "RESTART");
      }
      return true;
    } catch (SQLException e) {
      throw busyOrOther(e, "checkpointing");
    }
  }

  /**
   * Runs {@code read} while holding SQLite's write lock, so that the application cannot append to
   * the WAL meanwhile (its writers wait, up to their busy timeout). For a capture that has fallen
   * so far behind that the WAL reached its size bound: see {@code DatabaseTailer#catchUpWhileWritersWait}.
   *
   * @return false when the write lock was not available (and {@code read} did not run)
   */
  boolean whileWritersWait(Runnable read) {
    try (Statement lock = writeLock.createStatement()) {
      if (!beginImmediate(lock)) {
        return false;
      }
      try {
        read.run();
        return true;
      } finally {
        lock.execute("ROLLBACK");
      }
    } catch (SQLException e) {
      throw busyOrOther(e, "holding the write lock");
    }
  }

  /** Takes the write lock, waiting up to {@link #CHECKPOINT_LOCK_TIMEOUT_MS}; false when it stayed busy. */
  private boolean beginImmediate(Statement lock) {
    writeLockWait.until(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CHECKPOINT_LOCK_TIMEOUT_MS));
    try {
      lock.execute("BEGIN IMMEDIATE");
      return true;
    } catch (SQLException busy) {
      return false;
    }
  }

  /**
   * The slow part of a checkpoint, without the write lock: copies every WAL frame up to capture's
   * read mark into the database file (PASSIVE). It may run on another thread than the rest of this
   * class (it uses only the checkpointer connection), while capture reads and the application writes;
   * {@link #checkpoint} afterwards only has the frames written since to copy while it holds the lock.
   * A busy database (another checkpoint running) is not an error: the locked checkpoint copies more.
   */
  void backfill() {
    try {
      run("PASSIVE");
    } catch (SQLException e) {
      throw busyOrOther(e, "checkpointing");
    }
  }

  private CheckpointResult run(String mode) throws SQLException {
    try (Statement st = checkpointer.createStatement();
        ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(" + mode + ")")) {
      rs.next();
      return new CheckpointResult(rs.getInt(1) != 0, rs.getInt(2), rs.getInt(3));
    } catch (SQLException e) {
      if (isBusy(e)) {
        return new CheckpointResult(true, -1, -1);
      }
      throw e;
    }
  }

  private CaptureException busyOrOther(SQLException e, String what) {
    if (isBusy(e)) {
      return new CaptureException(db, "SQLite reports the database locked while " + what + " (" + e.getMessage()
          + "). If the application uses `PRAGMA locking_mode=EXCLUSIVE`, no other process can read the "
          + "database: use locking_mode=NORMAL (the default) so walflow can follow it", e);
    }
    return new CaptureException(db, "SQLite error while " + what + ": " + e.getMessage(), e);
  }

  private static boolean isBusy(SQLException e) {
    String m = String.valueOf(e.getMessage());
    return m.contains("SQLITE_BUSY") || m.contains("database is locked") || m.contains("SQLITE_LOCKED");
  }

  private static void rollbackQuietly(Connection c) {
    try (Statement st = c.createStatement()) {
      st.execute("ROLLBACK");
    } catch (SQLException ignored) {
      // no transaction was open
    }
  }

  @Override
  public void close() {
    for (Connection c : new Connection[] {readers[0], readers[1], writeLock, checkpointer}) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // closing: nothing left to protect
      }
    }
  }
}
