package io.walflow.ingest.capture;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads what SQLite itself says a database holds: the oracle of the capture tests. */
public final class SqliteOracle {
  private SqliteOracle() {}

  /** Opens a connection (WAL databases are read through their WAL). */
  public static Connection open(Path db) throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + db);
  }

  /** Every row of every table (rowid order), as strings with storage classes, per table name. */
  public static Map<String, List<String>> contents(Path db) throws SQLException {
    try (Connection c = open(db)) {
      return contents(c);
    }
  }

  public static Map<String, List<String>> contents(Connection c) throws SQLException {
    Map<String, List<String>> out = new LinkedHashMap<>();
    List<String> tables = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT name FROM sqlite_schema WHERE type='table' ORDER BY name")) {
      while (rs.next()) {
        tables.add(rs.getString(1));
      }
    }
    for (String t : tables) {
      List<String> rows = new ArrayList<>();
      try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM \"" + t + "\"")) {
        ResultSetMetaData md = rs.getMetaData();
        while (rs.next()) {
          StringBuilder sb = new StringBuilder();
          for (int i = 1; i <= md.getColumnCount(); i++) {
            Object o = rs.getObject(i);
            sb.append(o instanceof byte[] b ? Arrays.toString(b) : String.valueOf(o)).append('|');
          }
          rows.add(sb.toString());
        }
      }
      out.put(t, rows);
    }
    return out;
  }

  /** {@code PRAGMA integrity_check}'s answer ("ok" when sound). */
  public static String integrity(Path db) throws SQLException {
    try (Connection c = open(db); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("PRAGMA integrity_check")) {
      StringBuilder sb = new StringBuilder();
      while (rs.next()) {
        sb.append(rs.getString(1));
      }
      return sb.toString();
    }
  }
}
