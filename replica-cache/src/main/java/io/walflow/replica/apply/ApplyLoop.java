package io.walflow.replica.apply;

import io.walflow.ingest.LogEntry;
import io.walflow.ingest.feed.ChangeFeed;
import io.walflow.ingest.feed.FeedException;
import io.walflow.replica.store.StoreException;
import io.walflow.replica.source.EntrySource;
import io.walflow.replica.source.SourceItem;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

  private final EntrySource source;
  private final Applier applier;
  private final ChangeFeed feed;
  private final Thread thread;
  /** Per database, the source position of the snapshot being received (first part). */
  private final Map<String, Object> pendingSnapshots = new HashMap<>();
  private volatile boolean closed;
  private volatile String problem = "";

  public ApplyLoop(EntrySource source, Applier applier, Path tempDir, String name) {
    this.source = source;
    this.applier = applier;
    this.feed = new ChangeFeed(tempDir, applier);
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
          handle(item);
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
    if (entry instanceof LogEntry.Commit && !applier.wants(db, entry.lsn())) {
      return;
    }
    if (entry instanceof LogEntry.Snapshot s) {
      if (s.partIndex() == 0) {
        pendingSnapshots.put(db, e.position());
      }
    }
    try {
      feed.accept(entry);
    } catch (FeedException | StoreException | IllegalArgumentException ex) {
      pendingSnapshots.remove(db);
      applier.stop(db, "cannot apply the entry at " + e.where() + ": " + ex.getMessage());
    }
    if (entry.partIndex() == entry.partCount() - 1) {
      pendingSnapshots.remove(db);
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
