package io.walflow.replica.verify;

import io.walflow.ingest.change.Value;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.sqlite.SQLiteConfig;

/**
 * The truth side of a verification: every table of a SQLite database file that walflow
 * replicates (not SQLite's own {@code sqlite_*} tables, not virtual tables), row by row under the
 * replica's keys, all read in one read transaction (one consistent state of the file).
 */
public final class SourceDatabase {
  private static final int BUSY_TIMEOUT_MS = 10_000;

  /** One table: its rows by key (rowid, or primary-key values), in key order as SQLite gives it. */
  public record Table(String name, boolean withoutRowid, Map<List<Value>, Map<String, Value>> rows) {}

  private SourceDatabase() {}

  /**
   * Reads {@code file}.
   *
   * @param readOnly open it read-only (a live source: verifying never changes it); a file of our
   *     own (a replayed copy) is opened read-write so that SQLite may create its -shm file
   * @throws IllegalArgumentException if the file does not exist or is not a SQLite database
   */
  public static Map<String, Table> read(Path file, boolean readOnly) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("source database " + file + " does not exist or is not a file");
    }
    SQLiteConfig cfg = new SQLiteConfig();
    cfg.setReadOnly(readOnly);
    cfg.setBusyTimeout(BUSY_TIMEOUT_MS);
    try (Connection c = cfg.createConnection("jdbc:sqlite:" + file)) {
      c.setAutoCommit(false);
      try {
        Map<String, Boolean> names = new TreeMap<>();
        try (Statement st = c.createStatement();
            ResultSet rs = st.executeQuery("SELECT l.name, l.wr FROM pragma_table_list l "
                + "JOIN sqlite_schema s ON s.name = l.name AND s.type = 'table' AND s.rootpage > 0 WHERE l.schema = 'main'")) {
          while (rs.next()) {
            String name = rs.getString(1);
            if (!name.toLowerCase(Locale.ROOT).startsWith("sqlite_")) {
              names.put(name, rs.getInt(2) != 0);
            }
          }
        }
        Map<String, Table> out = new TreeMap<>();
        for (Map.Entry<String, Boolean> t : names.entrySet()) {
          out.put(t.getKey(), table(c, t.getKey(), t.getValue()));
        }
        return out;
      } finally {
        c.rollback();
      }
    } catch (SQLException e) {
      throw new IllegalArgumentException("cannot read source database " + file + ": " + e.getMessage(), e);
    }
  }

  private static Table table(Connection c, String name, boolean withoutRowid) throws SQLException {
    String quoted = quote(name);
    List<String> pk = new ArrayList<>();
    if (withoutRowid) {
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT name FROM pragma_table_info(" + literal(name) + ") WHERE pk > 0 ORDER BY pk")) {
        while (rs.next()) {
          pk.add(rs.getString(1));
        }
      }
    }
    String sql = withoutRowid
        ? "SELECT * FROM " + quoted + " ORDER BY " + String.join(", ", pk.stream().map(SourceDatabase::quote).toList())
        : "SELECT rowid, * FROM " + quoted + " ORDER BY rowid";
    Map<List<Value>, Map<String, Value>> rows = new LinkedHashMap<>();
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      ResultSetMetaData md = rs.getMetaData();
      int first = withoutRowid ? 1 : 2;
      while (rs.next()) {
        Map<String, Value> row = new LinkedHashMap<>();
        for (int i = first; i <= md.getColumnCount(); i++) {
          row.put(md.getColumnName(i), value(rs.getObject(i), name, md.getColumnName(i)));
        }
        List<Value> key = withoutRowid ? pk.stream().map(row::get).toList() : List.of(Value.of(rs.getLong(1)));
        rows.put(key, row);
      }
    }
    return new Table(name, withoutRowid, rows);
  }

  private static Value value(Object o, String table, String column) {
    if (o == null) {
      return Value.ofNull();
    } else if (o instanceof Integer i) {
      return Value.of(i.longValue());
    } else if (o instanceof Long l) {
      return Value.of(l);
    } else if (o instanceof Double d) {
      return Value.of(d);
    } else if (o instanceof String s) {
      return Value.of(s);
    } else if (o instanceof byte[] b) {
      return Value.of(b);
    }
    throw new IllegalArgumentException("table " + table + " column " + column + ": unexpected JDBC value of " + o.getClass());
  }

  private static String quote(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }

  private static String literal(String s) {
    return "'" + s.replace("'", "''") + "'";
  }
}
