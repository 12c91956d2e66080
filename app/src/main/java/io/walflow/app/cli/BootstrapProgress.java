package io.walflow.app.cli;

import io.walflow.ingest.progress.ProgressLine;
import io.walflow.replica.DatabaseStatus;
import io.walflow.replica.Replica;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Progress lines while a replica bootstraps: from the moment a database is first seen behind its
 * source (waiting for its snapshot, or applied LSN below the newest the source has) until it first
 * catches up, a {@link ProgressLine} per database with the LSNs applied out of those to apply.
 * Polls {@link Replica#status()} on its own daemon thread; catching up again later (after a gap) is
 * the status log's business, not a bootstrap.
 */
final class BootstrapProgress implements AutoCloseable {
  /** How often the replica's status is read. */
  private static final long POLL_MILLIS = 100;

  private final Replica replica;
  private final String region;
  private final PrintWriter err;
  private final Map<String, Line> lines = new HashMap<>();
  private final Set<String> done = new HashSet<>();
  private final Thread thread;
  private volatile boolean stopped;

  private record Line(ProgressLine progress, long from) {}

  BootstrapProgress(Replica replica, String region, PrintWriter err) {
    this.replica = replica;
    this.region = region;
    this.err = err;
    this.thread = new Thread(this::run, "walflow-replica-bootstrap-progress");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    while (!stopped) {
      poll();
      try {
        Thread.sleep(POLL_MILLIS); // a progress line ticks on a clock, not on an event
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** One look at the status: starts, moves and ends the lines. */
  private void poll() {
    for (DatabaseStatus d : replica.status().databases().values()) {
      if (done.contains(d.db())) {
        continue;
      }
      Line line = lines.get(d.db());
      boolean behind = d.lagLsns() > 0 || d.lsn() < 0;
      if (line == null) {
        if (!behind) {
          done.add(d.db()); // caught up before we looked: nothing to show
          continue;
        }
        line = new Line(new ProgressLine("replica " + region + ": bootstrapping '" + d.db() + "'", 0, "LSNs", err),
            Math.max(0, d.lsn()));
        lines.put(d.db(), line);
      }
      long applied = Math.max(0, d.lsn() - line.from());
      line.progress().total(Math.max(applied, d.newestLsn() - line.from()));
      if (behind) {
        line.progress().update(applied);
      } else {
        line.progress().finish(applied);
        lines.remove(d.db());
        done.add(d.db());
      }
    }
  }

  /** Stops polling. */
  @Override
  public void close() {
    stopped = true;
    thread.interrupt();
  }
}
