package io.walflow.app.sim;

import io.walflow.dataflow.Dataflow;
import io.walflow.dataflow.DataflowConfig;
import io.walflow.dataflow.QueryException;
import io.walflow.dataflow.ViewResult;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.change.Value;
import io.walflow.ingest.feed.ChangeFeed;
import io.walflow.ingest.log.EntryCodec;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Incremental views ({@link Dataflow}, one worker thread) fed every log entry in order as capture
 * appends it, as a view server reading the local log is. After each step every view's rows must be
 * SQLite's answer to the same SQL at the view's LSN. The engine keeps nothing across a restart: a
 * new one starts from the newest snapshot in the log.
 */
final class ViewsUnderTest implements AutoCloseable {
  /** Name → SQL of the views; {@link SqliteWorkload#rows()} runs the same SQL for the truth. */
  static final Map<String, String> VIEWS = Map.of(
      "big", "SELECT id, v FROM t WHERE v > 500",
      "byN", "SELECT n, count(*) AS c FROM w GROUP BY n",
      "joined", "SELECT t.id, w.k FROM t JOIN w ON t.v = w.n");

  private final Dataflow dataflow;
  private final ChangeFeed feed;
  private boolean created;
  private long lsn = -1;

  /** A new engine in {@code dir/views} (emptied first: a restarted engine starts from nothing). */
  ViewsUnderTest(Path dir) {
    ReplicaUnderTest.deleteTree(dir.resolve("views"));
    dataflow = Dataflow.open(DataflowConfig.defaults(dir.resolve("views")).withWorkerThreads(1));
    feed = new ChangeFeed(dir.resolve("views-feed"), dataflow);
  }

  /** Applies one entry straight from the log; the views are created once the first snapshot gave them their tables. */
  void apply(Delivery d) throws QueryException {
    LogEntry e = EntryCodec.decode(ByteBuffer.wrap(d.bytes()), 0, "log entry " + d);
    feed.accept(e);
    lsn = e.lsn();
    if (!created) {
      for (Map.Entry<String, String> v : VIEWS.entrySet()) {
        dataflow.createView(v.getKey(), v.getValue());
      }
      created = true;
    }
  }

  /** The LSN of the last entry applied, -1 before the first. */
  long lsn() {
    return lsn;
  }

  /** The rows of view {@code name}, written as {@link SqliteWorkload#rows()} writes SQLite's answer; checks the LSN. */
  List<String> rows(String name) throws Exception {
    ViewResult r = dataflow.lookup(name, List.of(), lsn, Duration.ofSeconds(10));
    if (r.lsn() != lsn) {
      throw new IllegalStateException("view " + name + " answered at LSN " + r.lsn() + " after LSN " + lsn
          + " was applied");
    }
    List<String> out = new ArrayList<>();
    for (List<Value> row : r.rows()) {
      out.add(row.toString());
    }
    out.sort(null);
    return out;
  }

  @Override
  public void close() {
    feed.close();
    dataflow.close();
  }
}
