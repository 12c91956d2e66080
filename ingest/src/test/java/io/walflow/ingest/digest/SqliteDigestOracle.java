package io.walflow.ingest.digest;

import io.walflow.ingest.change.Value;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/** The digest of a database computed from scratch by reading every row with SQLite: the oracle. */
public final class SqliteDigestOracle {
  private SqliteDigestOracle() {}

  /** Per table: the bucket sums of its rows as SQLite reads them. */
  public static TreeMap<String, long[]> digest(Connection c, int buckets) throws SQLException {
    TreeMap<String, long[]> out = new TreeMap<>();
    List<String[]> tables = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")) {
      while (rs.next()) {
        tables.add(new String[] {rs.getString(1), rs.getString(2)});
      }
    }
    for (String[] t : tables) {
      boolean withoutRowid = t[1].toUpperCase().replaceAll("\\s+", " ").contains("WITHOUT ROWID");
      List<String> pk = new ArrayList<>();
      int columns = 0;
      TreeMap<Integer, String> pkByPos = new TreeMap<>();
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA table_info(\"" + t[0] + "\")")) {
        while (rs.next()) {
          columns++;
          if (rs.getInt("pk") > 0) {
            pkByPos.put(rs.getInt("pk"), rs.getString("name"));
          }
        }
      }
      pk.addAll(pkByPos.values());
      long[] sums = new long[buckets];
      String keySql = withoutRowid ? String.join(", ", pk.stream().map(n -> "\"" + n + "\"").toList()) : "rowid";
      int keyWidth = withoutRowid ? pk.size() : 1;
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT " + keySql + ", * FROM \"" + t[0] + "\"")) {
        while (rs.next()) {
          List<Value> key = new ArrayList<>();
          for (int i = 1; i <= keyWidth; i++) {
            key.add(value(rs.getObject(i)));
          }
          List<Value> row = new ArrayList<>();
          for (int i = keyWidth + 1; i <= keyWidth + columns; i++) {
            row.add(value(rs.getObject(i)));
          }
          sums[RowHasher.bucket(RowHasher.keyHash(key), buckets)] += RowHasher.rowHash(key, row);
        }
      }
      out.put(t[0], sums);
    }
    return out;
  }

  private static Value value(Object o) {
    if (o == null) {
      return Value.ofNull();
    }
    if (o instanceof Integer i) {
      return Value.of((long) i);
    }
    if (o instanceof Long l) {
      return Value.of(l);
    }
    if (o instanceof Double d) {
      return Value.of(d);
    }
    if (o instanceof String s) {
      return Value.of(s);
    }
    if (o instanceof byte[] b) {
      return Value.of(b);
    }
    throw new IllegalStateException("unexpected JDBC value " + o.getClass());
  }
}
