package io.walflow.app.sim;

import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.DigestSettings;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.LogReader;
import io.walflow.ingest.LogRecord;
import io.walflow.ingest.capture.CaptureService;
import io.walflow.ingest.capture.DecodingChangeEncoder;
import io.walflow.ingest.log.EntryCodec;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * SQLite and walflow's real capture, stepped from the simulation's thread
 * ({@link CaptureService#openStepped}), and the log as consumers see it.
 *
 * <p>The truth of each LSN comes from SQLite: after every transaction the workload's rows are
 * kept until capture turns that transaction into a commit entry, which takes them as its truth; a
 * snapshot at a new LSN (first capture, or resynchronisation after a restart that cannot prove
 * continuity) is the database as it is when capture reads it, so it takes SQLite's current rows
 * and the transactions not yet captured are folded into it.
 */
final class CapturedSource implements AutoCloseable {
  static final String DB = "app";

  private final SqliteWorkload sqlite;
  private final CaptureConfig config;
  private final Path dataDir;
  private final DigestSettings digests;
  private final EntryCodec codec = new EntryCodec(false);
  private CaptureService capture;
  private LogReader reader;
  /** SQLite's rows after each transaction capture has not read yet. */
  private final Deque<Map<String, List<String>>> uncaptured = new ArrayDeque<>();
  private final TreeMap<Long, Map<String, List<String>>> truth = new TreeMap<>();
  /** Every entry capture wrote, in log order; retention removes those before {@link #start}. */
  private final List<Delivery> log = new ArrayList<>();
  private int start;

  /**
   * @param snapshotEveryBytes log bytes after which capture writes a snapshot for retention
   * @param digests when capture publishes digest entries (by commit count only: no clock in a seed)
   */
  CapturedSource(SqliteWorkload sqlite, Path dbFile, Path dataDir, long snapshotEveryBytes, DigestSettings digests)
      throws IOException {
    this.sqlite = sqlite;
    this.digests = digests;
    this.dataDir = dataDir;
    this.config = CaptureConfig.defaults(dataDir).withDatabase(DB, dbFile).withCompressPages(false)
        .withMinFreeDiskBytes(0).withRetention(snapshotEveryBytes, java.time.Duration.ofHours(24), "FAST_HOURLY");
    openCapture();
  }

  private void openCapture() throws IOException {
    capture = CaptureService.openStepped(config, DecodingChangeEncoder::new, digests);
  }

  /** Runs one workload transaction and keeps its rows as the truth of the commit capture will make of it. */
  String write() throws SQLException {
    String what = sqlite.transaction();
    uncaptured.addLast(sqlite.rows());
    return what;
  }

  String addColumn() throws SQLException {
    String what = sqlite.addColumn();
    if (what != null) {
      uncaptured.addLast(sqlite.rows());
    }
    return what;
  }

  String checkpoint() throws SQLException {
    return sqlite.checkpoint();
  }

  /** One capture step; returns the entries it appended to the log, each with its truth recorded. */
  List<Delivery> captureStep() throws IOException, InterruptedException, SQLException {
    capture.step(DB);
    if (reader == null) {
      reader = LogReader.open(dataDir);
    }
    List<Delivery> out = new ArrayList<>();
    Optional<LogRecord> r;
    while ((r = reader.next()).isPresent()) {
      LogEntry e = r.get().entry();
      if (e instanceof LogEntry.Digest) {
        if (e.lsn() != lastLsn()) {
          throw new IllegalStateException("digest entry at LSN " + e.lsn() + " after LSN " + lastLsn()
              + ": a digest follows the commit of its LSN");
        }
        Delivery d = new Delivery(e.lsn(), false, true, codec.encode(e)); // changes nothing: no truth to record
        log.add(d);
        out.add(d);
        continue;
      }
      boolean snapshot = e instanceof LogEntry.Snapshot;
      long last = lastLsn();
      if (snapshot && e.lsn() == last) {
        // Retention's snapshot of the state at the last commit: same truth.
        if (!uncaptured.isEmpty()) {
          throw new IllegalStateException("a snapshot at LSN " + e.lsn() + " while " + uncaptured.size()
              + " transactions were not captured");
        }
      } else if (e.lsn() != last + 1) {
        throw new IllegalStateException((snapshot ? "snapshot" : "commit") + " at LSN " + e.lsn()
            + " after LSN " + last + ": capture skipped or repeated an LSN");
      } else if (snapshot) {
        uncaptured.clear();
        truth.put(e.lsn(), sqlite.rows());
      } else {
        Map<String, List<String>> rows = uncaptured.pollFirst();
        if (rows == null) {
          throw new IllegalStateException("commit at LSN " + e.lsn() + " but no transaction was run for it");
        }
        truth.put(e.lsn(), rows);
      }
      Delivery d = new Delivery(e.lsn(), snapshot, false, codec.encode(e));
      log.add(d);
      out.add(d);
    }
    return out;
  }

  /** Capture crashes and restarts: its memory is gone, it resumes from the log and its image file. */
  void crashCapture() throws IOException {
    capture.close();
    openCapture();
  }

  /** Retention removes up to {@code n} entries from the log's start, never past the newest snapshot. */
  int retain(int n) {
    int newest = newestSnapshotIndex();
    int before = start;
    start = Math.max(start, (int) Math.min(newest, (long) start + n));
    return start - before;
  }

  /**
   * The entries a repair of LSNs {@code from..to} reads from the log: those entries, or the newest
   * snapshot and everything after it when retention removed the start of the range.
   */
  List<Delivery> repair(long from, long to) {
    int i = start;
    while (i < log.size() && log.get(i).lsn() < from) {
      i++;
    }
    if (i == log.size()) {
      return List.of();
    }
    if (!log.get(i).snapshot() && log.get(i).lsn() != from) {
      i = newestSnapshotIndex();
      to = lastLsn();
    }
    List<Delivery> out = new ArrayList<>();
    for (; i < log.size() && log.get(i).lsn() <= to; i++) {
      out.add(log.get(i));
    }
    return out;
  }

  /** True when a repair of {@code from} must start from a snapshot (retention removed {@code from}). */
  boolean removedByRetention(long from) {
    return start < log.size() && log.get(start).lsn() > from;
  }

  /** The newest snapshot still in the log and every entry after it: what a consumer starting afresh reads. */
  List<Delivery> fromNewestSnapshot() {
    return List.copyOf(log.subList(newestSnapshotIndex(), log.size()));
  }

  Delivery newestSnapshot() {
    return log.get(newestSnapshotIndex());
  }

  private int newestSnapshotIndex() {
    for (int i = log.size() - 1; i >= start; i--) {
      if (log.get(i).snapshot()) {
        return i;
      }
    }
    throw new IllegalStateException("retention removed every snapshot");
  }

  long lastLsn() {
    return log.isEmpty() ? -1 : log.get(log.size() - 1).lsn();
  }

  Path dataDir() {
    return dataDir;
  }

  /** SQLite's rows at {@code lsn}. */
  Map<String, List<String>> truthAt(long lsn) {
    return truth.get(lsn);
  }

  @Override
  public void close() throws IOException {
    try {
      if (reader != null) {
        reader.close();
      }
    } finally {
      capture.close();
    }
  }
}
