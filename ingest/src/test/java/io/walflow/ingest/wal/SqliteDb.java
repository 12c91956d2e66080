package io.walflow.ingest.wal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Test fixture: a real SQLite database in WAL mode (through sqlite-jdbc) whose writer connection
 * stays open and which never checkpoints on its own, so that every committed frame stays in the
 * {@code -wal} file for the test to copy and scan. Also the oracle: the content of every table as
 * SQLite returns it, and the rebuilding of a database file from scanned commits.
 */
final class SqliteDb implements AutoCloseable {
  final Path file;
  final Connection conn;

  private SqliteDb(Path file, Connection conn) {
    this.file = file;
    this.conn = conn;
  }

  /**
   * Creates {@code dir/name} with the page size, runs {@code setup} pragmas (those that must come
   * before the first table, such as {@code auto_vacuum}), and switches to WAL mode with automatic
   * checkpoints off.
   */
  static SqliteDb create(Path dir, String name, int pageSize, String... setup) throws SQLException {
    return create(dir, name, "", pageSize, setup);
  }

  /** As {@link #create(Path, String, int, String...)}, opening the file as a URI with {@code query}. */
  static SqliteDb create(Path dir, String name, String query, int pageSize, String... setup) throws SQLException {
    Path file = dir.resolve(name);
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + (query.isEmpty() ? file : "file:" + file + "?" + query));
    SqliteDb db = new SqliteDb(file, c);
    db.exec("PRAGMA page_size=" + pageSize);
    db.exec(setup);
    db.exec("PRAGMA wal_autocheckpoint=0");
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA journal_mode=WAL")) {
      rs.next();
      if (!"wal".equalsIgnoreCase(rs.getString(1))) {
        throw new IllegalStateException("journal_mode is " + rs.getString(1));
      }
    }
    return db;
  }

  /** Runs each statement in autocommit mode (one transaction each, for writes). */
  void exec(String... sql) throws SQLException {
    for (String q : sql) {
      run(q);
    }
  }

  /** Runs one statement to completion (a pragma such as incremental_vacuum works per row read). */
  private void run(String sql) throws SQLException {
    try (Statement s = conn.createStatement()) {
      if (s.execute(sql)) {
        try (ResultSet rs = s.getResultSet()) {
          while (rs.next()) {
            // drain
          }
        }
      }
    }
  }

  /** Runs the statements as one transaction. */
  void transaction(String... sql) throws SQLException {
    conn.setAutoCommit(false);
    try {
      for (String q : sql) {
        run(q);
      }
      conn.commit();
    } finally {
      conn.setAutoCommit(true);
    }
  }

  /**
   * SQL inserting {@code count} rows {@code (id, name, v)} into {@code table} with ids from {@code
   * firstId}, non-ASCII names and random blobs of {@code blobBytes}.
   */
  static String insertRows(String table, int firstId, int count, int blobBytes) {
    return "WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM s WHERE i<" + (count - 1) + ") "
        + "INSERT INTO " + table + "(id, name, v) SELECT " + firstId + "+i, 'row ' || i || ' ünïcødé 数据', "
        + "randomblob(" + blobBytes + ") FROM s";
  }

  long queryLong(String sql) throws SQLException {
    try (Statement s = conn.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  int pageCount() throws SQLException {
    return (int) queryLong("PRAGMA page_count");
  }

  Path walFile() {
    return file.resolveSibling(file.getFileName() + "-wal");
  }

  byte[] walBytes() throws IOException {
    return Files.readAllBytes(walFile());
  }

  byte[] dbBytes() throws IOException {
    return Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
  }

  /** What SQLite returns for {@code SELECT *} of every table, through the writer connection. */
  Map<String, List<String>> content() throws SQLException {
    return content(conn);
  }

  @Override
  public void close() throws SQLException {
    conn.close();
  }

  // ------------------------------------------------------------------ oracle helpers

  /** Every table's rows (in rowid order), each rendered as text; blobs as hex. */
  static Map<String, List<String>> content(Connection c) throws SQLException {
    SortedMap<String, List<String>> out = new TreeMap<>();
    List<String> tables = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT name FROM sqlite_schema WHERE type='table' AND name NOT LIKE 'sqlite_%'")) {
      while (rs.next()) {
        tables.add(rs.getString(1));
      }
    }
    for (String t : tables) {
      List<String> rows = new ArrayList<>();
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM \"" + t + "\" ORDER BY rowid")) {
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          StringBuilder row = new StringBuilder();
          for (int i = 1; i <= n; i++) {
            Object v = rs.getObject(i);
            row.append(i > 1 ? "|" : "").append(v instanceof byte[] b ? "x'" + HexFormat.of().formatHex(b) + "'" : String.valueOf(v));
          }
          rows.add(row.toString());
        }
      }
      out.put(t, rows);
    }
    return out;
  }

  /** The content of a database file opened by a fresh connection. */
  static Map<String, List<String>> contentOf(Path dbFile) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dbFile)) {
      return content(c);
    }
  }

  static String integrityCheck(Path dbFile) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dbFile);
        Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
      StringBuilder out = new StringBuilder();
      while (rs.next()) {
        out.append(out.length() > 0 ? "\n" : "").append(rs.getString(1));
      }
      return out.toString();
    }
  }

  /**
   * Writes {@code base} (a database file's bytes) to {@code out} and applies the commits' pages
   * over it in order, setting the file length to each commit's database size (as a checkpoint
   * does).
   */
  static Path rebuild(byte[] base, List<WalCommit> commits, int pageSize, Path out) {
    try {
      Files.deleteIfExists(out.resolveSibling(out.getFileName() + "-wal"));
      Files.deleteIfExists(out.resolveSibling(out.getFileName() + "-shm"));
      Files.write(out, base);
      try (RandomAccessFile raf = new RandomAccessFile(out.toFile(), "rw")) {
        for (WalCommit c : commits) {
          for (Map.Entry<Integer, byte[]> p : c.pages().entrySet()) {
            raf.seek((long) (p.getKey() - 1) * pageSize);
            raf.write(p.getValue());
          }
          raf.setLength((long) c.dbSizePages() * pageSize);
        }
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Scans a WAL file from the start of its generation. */
  static List<WalCommit> scanAll(Path wal) throws IOException {
    try (FileChannel ch = FileChannel.open(wal, StandardOpenOption.READ)) {
      WalHeader h = WalScanner.readHeader(ch, wal.toString()).orElseThrow();
      return new WalScanner(ch, h, wal.toString()).scan(WalPosition.start(h), Integer.MAX_VALUE);
    }
  }

  /** Scans WAL bytes (written to {@code scratch}) from the start of their generation. */
  static List<WalCommit> scanAll(byte[] wal, Path scratch) throws IOException {
    Files.write(scratch, wal);
    return scanAll(scratch);
  }
}
