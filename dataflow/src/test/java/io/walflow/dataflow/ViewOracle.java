package io.walflow.dataflow;

import io.walflow.ingest.LogReader;
import io.walflow.ingest.LogRecord;
import io.walflow.ingest.change.BlobValue;
import io.walflow.ingest.change.Change;
import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.RealValue;
import io.walflow.ingest.change.TextValue;
import io.walflow.ingest.change.Value;
import io.walflow.ingest.feed.ChangeFeed;
import io.walflow.ingest.feed.TransactionSink;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Feeds a captured workload's log to several engines and, after every commit, compares every view
 * of every engine with SQLite's answer to the view's SQL on an oracle database that replays the
 * workload's transactions in step. Subscriptions on every key of every view are checked too: the
 * snapshot plus the deltas received equal the current rows.
 */
final class ViewOracle implements TransactionSink, AutoCloseable {
  private final CapturedWorkload workload;
  private final List<Dataflow> engines;
  private final List<QueryCatalogue.Case> cases;
  private final String context;
  private final java.util.function.BiPredicate<Integer, QueryCatalogue.Case> enabled;
  private final Connection oracle;
  private long snapshotLsn = -1;
  private int checkedCommits;
  /** Per engine, view and key: the rows a subscriber has reconstructed from snapshot and deltas. */
  private final Map<String, Map<List<Value>, Integer>> subscribed = new HashMap<>();
  private final List<ViewSubscription> subscriptions = new ArrayList<>();
  private final List<String> listenerErrors = new ArrayList<>();

  /**
   * @param enabled which views each engine (by index) maintains
   */
  ViewOracle(CapturedWorkload workload, List<Dataflow> engines, List<QueryCatalogue.Case> cases, String context,
      java.util.function.BiPredicate<Integer, QueryCatalogue.Case> enabled) throws Exception {
    this.enabled = enabled;
    this.workload = workload;
    this.engines = engines;
    this.cases = cases;
    this.context = context;
    this.oracle = DriverManager.getConnection("jdbc:sqlite::memory:");
    try (Statement st = oracle.createStatement()) {
      for (String s : workload.setup) {
        st.execute(s);
      }
    }
  }

  /** Reads the whole log through a {@link ChangeFeed} into this oracle; the number of commits checked. */
  int run(Path tmp) throws Exception {
    try (LogReader reader = LogReader.open(workload.dataDir); ChangeFeed feed = new ChangeFeed(tmp, this)) {
      reader.toStart();
      Optional<LogRecord> r;
      while ((r = reader.next()).isPresent()) {
        feed.accept(r.get().entry());
      }
    }
    if (!listenerErrors.isEmpty()) {
      throw new AssertionError(context + ": subscription errors: " + listenerErrors);
    }
    return checkedCommits;
  }

  @Override
  public void snapshotBegin(String db, long lsn, Instant committedAt) {
    engines.forEach(e -> e.snapshotBegin(db, lsn, committedAt));
  }

  @Override
  public void snapshotChange(String db, long lsn, Change change) {
    engines.forEach(e -> e.snapshotChange(db, lsn, change));
  }

  @Override
  public void snapshotEnd(String db, long lsn) {
    engines.forEach(e -> e.snapshotEnd(db, lsn));
    if (snapshotLsn >= 0) {
      throw new AssertionError(context + ": a second snapshot at LSN " + lsn);
    }
    snapshotLsn = lsn;
    try {
      for (int i = 0; i < engines.size(); i++) {
        for (QueryCatalogue.Case c : cases) {
          if (enabled.test(i, c)) {
            c.create(engines.get(i));
          }
        }
      }
      subscribeAll();
      check(lsn);
    } catch (Exception ex) {
      throw new AssertionError(context + ": " + ex, ex);
    }
  }

  @Override
  public void commit(String db, long lsn, Instant committedAt, ChangeSet changes) {
    engines.forEach(e -> e.commit(db, lsn, committedAt, changes));
    int txn = (int) (lsn - snapshotLsn - 1);
    try (Statement st = oracle.createStatement()) {
      for (String s : workload.transactions.get(txn)) {
        st.execute(s);
      }
      check(lsn);
    } catch (Exception ex) {
      throw new AssertionError(context + ": " + ex, ex);
    }
    checkedCommits++;
  }

  /** Subscribes to every key of every view of the first engine. */
  private void subscribeAll() {
    Dataflow e = engines.get(0);
    for (QueryCatalogue.Case c : cases) {
      if (!enabled.test(0, c)) {
        continue;
      }
      for (List<Value> key : c.keys()) {
        String id = c.name() + key;
        Map<List<Value>, Integer> rows = new HashMap<>();
        subscribed.put(id, rows);
        ViewSubscription s = e.subscribe(c.name(), key, new ViewListener() {
          long last;

          @Override
          public void onDelta(ViewDelta delta) {
            if (delta.lsn() <= last) {
              listenerErrors.add(id + " delta for LSN " + delta.lsn() + " after " + last);
            }
            delta.deleted().forEach(r -> rows.merge(r, -1, (a, b) -> a + b == 0 ? null : a + b));
            delta.inserted().forEach(r -> rows.merge(r, 1, (a, b) -> a + b == 0 ? null : a + b));
          }

          @Override
          public void onWatermark(long lsn) {
            last = lsn;
          }

          @Override
          public void onClose() {}
        });
        s.snapshot().rows().forEach(r -> rows.merge(r, 1, Integer::sum));
        subscriptions.add(s);
      }
    }
  }

  private void check(long lsn) throws Exception {
    for (int i = 0; i < engines.size(); i++) {
      Dataflow e = engines.get(i);
      for (QueryCatalogue.Case c : cases) {
        if (!enabled.test(i, c)) {
          continue;
        }
        for (List<Value> key : c.keys()) {
          ViewResult got = e.lookup(c.name(), key, lsn, Duration.ofSeconds(10));
          List<String> expected = sqlite(c.sql(), key);
          List<String> actual = got.rows().stream().map(ViewOracle::render).toList();
          if (!c.ordered()) {
            expected = expected.stream().sorted().toList();
            actual = actual.stream().sorted().toList();
          }
          if (!expected.equals(actual)) {
            throw new AssertionError(context + ", engine " + i + " " + e.config() + ", view " + c.name() + " key "
                + key + " at LSN " + lsn + ":\n expected " + expected + "\n actual   " + actual);
          }
          if (got.lsn() != lsn) {
            throw new AssertionError(context + ": lookup valid at LSN " + got.lsn() + ", expected " + lsn);
          }
          if (i == 0) {
            Map<List<Value>, Integer> rows = subscribed.get(c.name() + key);
            List<String> fromDeltas = new ArrayList<>();
            rows.forEach((r, n) -> {
              for (int k = 0; k < n; k++) {
                fromDeltas.add(render(r));
              }
            });
            if (!fromDeltas.stream().sorted().toList().equals(actual.stream().sorted().toList())) {
              throw new AssertionError(context + ", view " + c.name() + " key " + key + " at LSN " + lsn
                  + ": subscription reconstructs " + fromDeltas + " but the view has " + actual);
            }
          }
        }
      }
    }
  }

  private List<String> sqlite(String sql, List<Value> params) throws Exception {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = oracle.prepareStatement(sql)) {
      for (int i = 0; i < params.size(); i++) {
        Value p = params.get(i);
        if (p instanceof IntegerValue x) {
          ps.setLong(i + 1, x.value());
        } else {
          ps.setString(i + 1, ((TextValue) p).value());
        }
      }
      try (ResultSet rs = ps.executeQuery()) {
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          StringBuilder sb = new StringBuilder("[");
          for (int i = 1; i <= n; i++) {
            Object o = rs.getObject(i);
            sb.append(i > 1 ? ", " : "").append(o == null ? "null"
                : o instanceof Integer || o instanceof Long ? "i:" + o
                : o instanceof Double d ? "r:" + d
                : o instanceof String s ? "t:" + s
                : "b:" + HexFormat.of().formatHex((byte[]) o));
          }
          out.add(sb.append(']').toString());
        }
      }
    }
    return out;
  }

  /** SQLite's answer to {@code sql} with integer {@code params}, each row rendered as {@link #render} does. */
  static List<String> sqliteRows(Connection c, String sql, List<Value> params) throws Exception {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.size(); i++) {
        ps.setLong(i + 1, ((IntegerValue) params.get(i)).value());
      }
      try (ResultSet rs = ps.executeQuery()) {
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          List<Value> row = new ArrayList<>();
          for (int i = 1; i <= n; i++) {
            Object o = rs.getObject(i);
            row.add(o == null ? Value.ofNull()
                : o instanceof Integer x ? Value.of((long) x)
                : o instanceof Long x ? Value.of(x)
                : o instanceof Double x ? Value.of(x)
                : o instanceof String x ? Value.of(x)
                : Value.of(HexFormat.of().formatHex((byte[]) o)));
          }
          out.add(render(row));
        }
      }
    }
    return out;
  }

  static String render(List<Value> row) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < row.size(); i++) {
      Value v = row.get(i);
      sb.append(i > 0 ? ", " : "").append(v instanceof NullValue ? "null"
          : v instanceof IntegerValue x ? "i:" + x.value()
          : v instanceof RealValue x ? "r:" + x.value()
          : v instanceof TextValue x ? "t:" + x.value()
          : "b:" + HexFormat.of().formatHex(((BlobValue) v).value()));
    }
    return sb.append(']').toString();
  }

  @Override
  public void close() throws Exception {
    subscriptions.forEach(ViewSubscription::close);
    oracle.close();
  }
}
