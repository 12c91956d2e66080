package io.walflow.replica.apply;

import io.walflow.replica.repair.LogRangeClient;
import io.walflow.replica.repair.RangeGoneException;
import io.walflow.replica.repair.RepairException;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.feed.ChangeFeed;
import io.walflow.ingest.feed.FeedException;
import io.walflow.replica.store.DiskFullException;
import io.walflow.replica.store.StoreException;
import io.walflow.replica.source.EntrySource;
import io.walflow.replica.source.SourceItem;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The replica's apply thread: polls the source, turns entries into transactions ({@link
 * ChangeFeed}) for the {@link Applier}, and tells the source what is applied. A corrupt or
 * undecodable entry stops its database (others continue); a commit already applied is skipped
 * before its changes are decoded.
 */
public final class ApplyLoop implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApplyLoop.class);
  /** How long one poll waits for entries. */
  private static final Duration POLL = Duration.ofMillis(100);
  /** Back-off after an unexpected failure of the source, doubling up to the maximum. */
  private static final long MIN_BACKOFF_MS = 100;
  private static final long MAX_BACKOFF_MS = 5_000;
  /** The least time between two repair attempts of one database after a failed one. */
  private static final long REPAIR_RETRY_NANOS = 1_000_000_000L;
  /** How often a transaction refused for lack of disk space is tried again. */
  private static final long DISK_FULL_RETRY_MS = 1_000;

  private final EntrySource source;
  private final Applier applier;
  private final ChangeFeed feed;
  private final Thread thread;
  /** Per database, the source position of the snapshot being received (first part). */
  private final Map<String, Object> pendingSnapshots = new HashMap<>();
  private final Optional<LogRangeClient> repair;
  /** Per database, when the next repair may be tried after a failed one (System.nanoTime). */
  private final Map<String, Long> repairRetryAt = new HashMap<>();
  /** Per database, when the source may be asked again to re-read a gap (System.nanoTime). */
  private final Map<String, Long> rereadRetryAt = new HashMap<>();
  private final DivergenceRepair divergence;
  private volatile boolean closed;
  private volatile String problem = "";

  public ApplyLoop(EntrySource source, Applier applier, Path tempDir, String name) {
    this(source, applier, tempDir, name, Optional.empty());
  }

  /**
   * @param repair where to fetch a gap's missing entries from (the capture node); empty: a gap
   *     waits for a snapshot from the source
   */
  public ApplyLoop(EntrySource source, Applier applier, Path tempDir, String name, Optional<LogRangeClient> repair) {
    this.repair = repair;
    this.source = source;
    this.applier = applier;
    this.feed = new ChangeFeed(tempDir, applier);
    this.divergence = new DivergenceRepair(applier, repair.map(LogRangeClient::buckets), repair, feed::accept);
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
  }

  /** Starts the apply thread. */
  public void start() {
    thread.start();
  }

  /** The source's state, and the loop's last failure if any. */
  public String describe() {
    return source.describe() + problem;
  }

  private void run() {
    long backoff = MIN_BACKOFF_MS;
    while (!closed) {
      try {
        List<SourceItem> items = source.poll(POLL);
        for (SourceItem item : items) {
          if (!handleWaitingForSpace(item)) {
            return; // closed while the disk was full: the item is delivered again at the next start
          }
        }
        if (!items.isEmpty()) {
          source.commit(List.copyOf(pendingSnapshots.values()));
        }
        problem = "";
        backoff = MIN_BACKOFF_MS;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        if (closed) {
          return;
        }
        problem = "; apply loop failed, retrying in " + backoff + " ms: " + e;
        LOG.warn("replica apply loop: {}", e.toString(), e);
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      }
    }
  }

  /**
   * Handles {@code item}; while its write is refused for lack of disk space, marks its database
   * {@code disk_full} and tries again every {@value #DISK_FULL_RETRY_MS} ms, reading nothing else
   * meanwhile (the source's position is not committed past it). Returns false when closed while
   * waiting.
   */
  private boolean handleWaitingForSpace(SourceItem item) throws InterruptedException {
    DatabaseReplica full = null;
    while (true) {
      try {
        handle(item);
        if (full != null) {
          full.diskSpaceBack();
          LOG.info("database {}: disk space is back, applying again (LSN {})", ((SourceItem.Entry) item).entry().db(), full.lsn());
        }
        return true;
      } catch (DiskFullException e) {
        String db = ((SourceItem.Entry) item).entry().db();
        DatabaseReplica d = applier.database(db);
        if (full == null) {
          LOG.error("database {}: {}; applying paused after LSN {}, trying again every {} ms", db, e.getMessage(),
              d.lsn(), DISK_FULL_RETRY_MS);
        }
        full = d;
        d.diskFull(e.getMessage() + "; applying paused after LSN " + d.lsn() + ", resumes once space is back");
        if (closed) {
          return false;
        }
        Thread.sleep(DISK_FULL_RETRY_MS);
      }
    }
  }

  private void handle(SourceItem item) {
    if (item instanceof SourceItem.Failure f) {
      if (f.db().isPresent()) {
        pendingSnapshots.remove(f.db().get());
        applier.stop(f.db().get(), "unreadable entry at " + f.where() + ": " + f.message());
      } else {
        LOG.error("unreadable entry of an unknown database at {}: {} (its database stops at the gap it leaves)",
            f.where(), f.message());
      }
      return;
    }
    SourceItem.Entry e = (SourceItem.Entry) item;
    LogEntry entry = e.entry();
    String db = entry.db();
    MDC.put("db", db);
    MDC.put("lsn", Long.toString(entry.lsn()));
    applier.seen(db, entry.lsn(), entry.committedAt());
    if (applier.database(db).state() == io.walflow.replica.ApplyState.STOPPED) {
      pendingSnapshots.remove(db);
      return;
    }
    if (entry instanceof LogEntry.Digest digest) {
      divergence.onDigest(digest, e.where());
      return;
    }
    if (entry instanceof LogEntry.Commit && !applier.wants(db, entry.lsn())) {
      return;
    }
    DatabaseReplica d = applier.database(db);
    if (entry instanceof LogEntry.Commit && entry.partIndex() == 0 && d.watermark().isPresent()
        && entry.lsn() > d.lsn() + 1) {
      rereadGap(db, d, d.lsn() + 1, entry.lsn() - 1, e.position());
      if (d.state() == io.walflow.replica.ApplyState.STOPPED) {
        return;
      }
    }
    if (repair.isPresent() && entry instanceof LogEntry.Commit && entry.partIndex() == 0 && d.watermark().isPresent()
        && entry.lsn() > d.lsn() + 1) {
      repairGap(db, d, d.lsn() + 1, entry.lsn() - 1);
      if (d.state() == io.walflow.replica.ApplyState.STOPPED) {
        return;
      }
    }
    if (entry instanceof LogEntry.Snapshot s) {
      if (s.partIndex() == 0) {
        pendingSnapshots.put(db, e.position());
      }
    }
    try {
      feed.accept(entry);
    } catch (DiskFullException ex) {
      throw ex;
    } catch (FeedException | StoreException | IllegalArgumentException ex) {
      pendingSnapshots.remove(db);
      applier.stop(db, "cannot apply the entry at " + e.where() + ": " + ex.getMessage());
    }
    if (entry.partIndex() == entry.partCount() - 1) {
      pendingSnapshots.remove(db);
    }
  }

  /**
   * First try at a gap {@code from..to} of {@code db}: the source reads the range again itself
   * (Kafka: the entries lost in transit are still in the partition). When the source cannot, or
   * the range is not there, the capture node's log ({@link #repairGap}) and then a snapshot come
   * next. A failed attempt is tried again at most once a second.
   */
  private void rereadGap(String db, DatabaseReplica d, long from, long to, Object before) {
    long now = System.nanoTime();
    Long retryAt = rereadRetryAt.get(db);
    if (retryAt != null && now - retryAt < 0) {
      return;
    }
    String what = "gap " + from + ".." + to;
    Optional<List<LogEntry>> found;
    try {
      found = source.reread(db, from, to, d.watermark().orElseThrow().committedAt(), before);
    } catch (RuntimeException ex) {
      rereadRetryAt.put(db, now + REPAIR_RETRY_NANOS);
      LOG.warn("database {}: re-reading {} from the source failed: {}", db, what, ex.toString());
      return;
    }
    if (found.isEmpty()) {
      return; // a source that cannot read again (the local log: nothing is lost on the way)
    }
    int applied = 0;
    for (LogEntry e : found.get()) {
      if (e instanceof LogEntry.Commit && !applier.wants(db, e.lsn())) {
        continue;
      }
      try {
        feed.accept(e);
        applied++;
      } catch (DiskFullException ex) {
        throw ex;
      } catch (FeedException | StoreException | IllegalArgumentException ex) {
        applier.stop(db, "cannot apply LSN " + e.lsn() + " read again from " + source.describe() + ": " + ex.getMessage());
        return;
      }
    }
    if (d.lsn() >= to) {
      rereadRetryAt.remove(db);
      d.repaired(false, applied, 0);
      LOG.info("database {}: {} read again from the source ({} entries)", db, what, applied);
    } else {
      rereadRetryAt.put(db, now + REPAIR_RETRY_NANOS);
      LOG.warn("database {}: {}: the source holds it only up to LSN {}; trying the other repairs", db, what, d.lsn());
    }
  }

  /**
   * Fills the gap {@code from..to} of {@code db} from the capture node's log, or from its newest
   * snapshot when the log no longer holds the range, in this (the apply) thread: the database's
   * readers keep reading the last applied LSN meanwhile. A failed attempt leaves the gap (the
   * entry that found it then marks it) and is tried again, at most once a second, when the next
   * entry of the database arrives.
   */
  private void repairGap(String db, DatabaseReplica d, long from, long to) {
    LogRangeClient client = repair.orElseThrow();
    long now = System.nanoTime();
    Long retryAt = repairRetryAt.get(db);
    if (retryAt != null && now - retryAt < 0) {
      return;
    }
    String what = "gap " + from + ".." + to;
    d.repairing("repairing " + what + " from the capture node at " + client.describe());
    LOG.warn("database {}: {} found, fetching it from the capture node at {}", db, what, client.describe());
    boolean resnapshot = false;
    LogRangeClient.Fetched fetched;
    try {
      try {
        fetched = client.range(db, from, to);
      } catch (RangeGoneException gone) {
        LOG.warn("database {}: {}: {}; bootstrapping it again from the newest snapshot", db, what, gone.getMessage());
        resnapshot = true;
        fetched = client.newestSnapshot(db);
      }
    } catch (RepairException | RangeGoneException e) {
      repairRetryAt.put(db, now + REPAIR_RETRY_NANOS);
      d.repairFailed(what + ": repair from " + client.describe() + " failed (" + e.getMessage()
          + "); retrying when the next entry arrives, at most once a second", 0);
      LOG.warn("database {}: repair of {} failed: {}", db, what, e.getMessage());
      return;
    }
    for (LogEntry e : fetched.entries()) {
      if (e instanceof LogEntry.Commit && !applier.wants(db, e.lsn())) {
        continue;
      }
      try {
        feed.accept(e);
      } catch (DiskFullException ex) {
        throw ex;
      } catch (FeedException | StoreException | IllegalArgumentException ex) {
        applier.stop(db, "cannot apply LSN " + e.lsn() + " fetched from the capture node at " + client.describe()
            + ": " + ex.getMessage());
        return;
      }
    }
    if (d.lsn() >= to) {
      repairRetryAt.remove(db);
      d.repaired(resnapshot, fetched.entries().size(), fetched.bytes());
      LOG.info("database {}: {} repaired ({} entries, {} bytes{})", db, what, fetched.entries().size(), fetched.bytes(),
          resnapshot ? ", from the newest snapshot" : "");
    } else {
      repairRetryAt.put(db, now + REPAIR_RETRY_NANOS);
      d.repairFailed(what + ": the capture node's answer reached only LSN " + d.lsn()
          + "; retrying when the next entry arrives, at most once a second", fetched.bytes());
    }
  }

  /** Stops the thread (waiting for the transaction in progress), then closes the source. */
  @Override
  public void close() {
    closed = true;
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      thread.interrupt();
    }
    feed.close();
    source.close();
  }
}
