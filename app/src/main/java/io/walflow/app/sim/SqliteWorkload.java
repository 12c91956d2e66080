package io.walflow.app.sim;

import io.walflow.ingest.change.Value;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * The source of the simulation: a real SQLite file in WAL mode written through sqlite-jdbc by a
 * random workload — transactions of one to four inserts, updates and deletes over a rowid table
 * with an index and a {@code WITHOUT ROWID} table, now and then {@code ALTER TABLE … ADD COLUMN}
 * and application checkpoints. Every transaction changes at least one row, so that each is one
 * WAL commit. {@link #rows()} is the truth: what {@code SELECT *} returns now.
 */
final class SqliteWorkload implements AutoCloseable {
  /** The tables and their key columns, in the order they are compared. */
  static final List<String> TABLES = List.of("t", "w");
  private static final int MAX_ADDED_COLUMNS = 3;

  private final Connection c;
  private final Random random;
  private long nextId = 1;
  private int addedColumns;

  SqliteWorkload(Path file, Random random) throws SQLException {
    this.random = random;
    this.c = DriverManager.getConnection("jdbc:sqlite:" + file);
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA page_size=1024"); // small pages: a few dozen rows already make multi-page b-trees
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA wal_autocheckpoint=0"); // checkpoints are the workload's own, at random steps
      s.execute("PRAGMA synchronous=OFF"); // the source's own crash safety is SQLite's, not simulated here
      s.execute("PRAGMA busy_timeout=0"); // a checkpoint blocked by capture's read transaction returns at once
      s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER NOT NULL, s TEXT)");
      s.execute("CREATE INDEX t_v ON t(v)");
      s.execute("CREATE TABLE w(k TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID");
    }
    c.setAutoCommit(false);
  }

  /** Runs one transaction of one to four row changes; returns what it did. */
  String transaction() throws SQLException {
    StringBuilder what = new StringBuilder("txn");
    int n = 1 + random.nextInt(4);
    for (int i = 0; i < n; i++) {
      what.append(' ').append(random.nextBoolean() ? changeT() : changeW());
    }
    c.commit();
    return what.toString();
  }

  private String changeT() throws SQLException {
    long count = count("t");
    int kind = count == 0 ? 0 : random.nextInt(3);
    if (kind == 0) {
      long id = nextId++;
      int len = random.nextInt(8) == 0 ? 600 + random.nextInt(1500) : random.nextInt(20); // some overflow pages
      exec("INSERT INTO t(id, v, s) VALUES (?, ?, ?)", id, (long) random.nextInt(1000), "x".repeat(len));
      return "t+" + id;
    }
    long id = keyAt("SELECT id FROM t ORDER BY id LIMIT 1 OFFSET ?", random.nextInt((int) count));
    if (kind == 1) {
      exec("UPDATE t SET v = v + 1 + ?, s = ? WHERE id = ?", (long) random.nextInt(100),
          "u" + random.nextInt(1000), id);
      return "t~" + id;
    }
    exec("DELETE FROM t WHERE id = ?", id);
    return "t-" + id;
  }

  private String changeW() throws SQLException {
    long count = count("w");
    int kind = count == 0 ? 0 : random.nextInt(3);
    if (kind == 0) {
      String k = "k" + (nextId++);
      exec("INSERT INTO w(k, n) VALUES (?, ?)", k, (long) random.nextInt(1000));
      return "w+" + k;
    }
    String k;
    try (PreparedStatement p = c.prepareStatement("SELECT k FROM w ORDER BY k LIMIT 1 OFFSET ?")) {
      p.setInt(1, random.nextInt((int) count));
      try (ResultSet r = p.executeQuery()) {
        r.next();
        k = r.getString(1);
      }
    }
    if (kind == 1) {
      exec("UPDATE w SET n = coalesce(n, 0) + 1 WHERE k = ?", k);
      return "w~" + k;
    }
    exec("DELETE FROM w WHERE k = ?", k);
    return "w-" + k;
  }

  /** {@code ALTER TABLE t ADD COLUMN} (a few times at most); returns what it did, or null. */
  String addColumn() throws SQLException {
    if (addedColumns == MAX_ADDED_COLUMNS) {
      return null;
    }
    addedColumns++;
    String col = "c" + addedColumns;
    try (Statement s = c.createStatement()) {
      s.execute("ALTER TABLE t ADD COLUMN " + col + " INTEGER DEFAULT " + (addedColumns * 10));
    }
    c.commit();
    return "alter t add " + col;
  }

  /** An application checkpoint: PASSIVE or TRUNCATE (which may restart the WAL once capture read it). */
  String checkpoint() throws SQLException {
    String mode = random.nextBoolean() ? "PASSIVE" : "TRUNCATE";
    c.setAutoCommit(true);
    try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("PRAGMA wal_checkpoint(" + mode + ")")) {
      r.next();
      return "checkpoint " + mode + " busy=" + r.getInt(1);
    } finally {
      c.setAutoCommit(false);
    }
  }

  /**
   * The truth now: per table, every row as {@code SELECT *} returns it (NULLs left out, as a
   * replica may leave out a column a row never had), in a canonical order; and per view of
   * {@link ViewsUnderTest#VIEWS}, SQLite's answer to its SQL ({@link #viewKey}).
   */
  Map<String, List<String>> rows() throws SQLException {
    Map<String, List<String>> out = new TreeMap<>();
    for (String table : TABLES) {
      List<String> rows = new ArrayList<>();
      try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT * FROM " + table)) {
        ResultSetMetaData md = r.getMetaData();
        while (r.next()) {
          TreeMap<String, Value> row = new TreeMap<>();
          for (int i = 1; i <= md.getColumnCount(); i++) {
            Object o = r.getObject(i);
            if (o instanceof Number num) {
              row.put(md.getColumnName(i), Value.of(num.longValue()));
            } else if (o instanceof String str) {
              row.put(md.getColumnName(i), Value.of(str));
            } else if (o != null) {
              throw new IllegalStateException("unexpected value " + o.getClass() + " in " + table);
            }
          }
          rows.add(row.toString());
        }
      }
      rows.sort(null);
      out.put(table, rows);
    }
    for (Map.Entry<String, String> v : ViewsUnderTest.VIEWS.entrySet()) {
      out.put(viewKey(v.getKey()), viewRows(v.getValue()));
    }
    c.commit();
    return out;
  }

  /** The column that keys a table's rows: t's id is its rowid, w's k its primary key. */
  static String keyColumn(String table) {
    return table.equals("w") ? "k" : "id";
  }

  /** A primary key value of {@code table} that the workload never writes (rows with it are damage). */
  static io.walflow.ingest.change.Value unusedKey(String table, int n) {
    return table.equals("w") ? io.walflow.ingest.change.Value.of("damage-" + n)
        : io.walflow.ingest.change.Value.of(1_000_000L + n);
  }

  /** Where {@link #rows()} puts SQLite's answer to view {@code name}'s SQL. */
  static String viewKey(String name) {
    return "view " + name;
  }

  /** SQLite's answer to {@code sql}: each row as the list of its values, in a canonical order. */
  private List<String> viewRows(String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
      int n = r.getMetaData().getColumnCount();
      while (r.next()) {
        List<Value> row = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
          Object o = r.getObject(i);
          row.add(o == null ? Value.ofNull()
              : o instanceof Number num ? Value.of(num.longValue()) : Value.of((String) o));
        }
        rows.add(row.toString());
      }
    }
    rows.sort(null);
    return rows;
  }

  private long count(String table) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT count(*) FROM " + table)) {
      r.next();
      return r.getLong(1);
    }
  }

  private long keyAt(String sql, int offset) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql)) {
      p.setInt(1, offset);
      try (ResultSet r = p.executeQuery()) {
        r.next();
        return r.getLong(1);
      }
    }
  }

  private void exec(String sql, Object... args) throws SQLException {
    try (PreparedStatement p = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        p.setObject(i + 1, args[i]);
      }
      p.executeUpdate();
    }
  }

  @Override
  public void close() throws SQLException {
    c.close();
  }
}
