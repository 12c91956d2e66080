package io.walflow.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.capture.SqliteOracle;
import io.walflow.ingest.change.Value;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The oracle: what SQLite holds, table by table, in the replica's key order (test fixture). */
final class SqliteTables {
  private SqliteTables() {}

  /** Every table's rows in key order (rowid order, or primary-key order for WITHOUT ROWID). */
  static Map<String, List<Map<String, Value>>> read(Path db) throws SQLException {
    try (Connection c = SqliteOracle.open(db)) {
      Map<String, Boolean> tables = new TreeMap<>();
      try (Statement st = c.createStatement();
          ResultSet rs = st.executeQuery("SELECT l.name, l.wr FROM pragma_table_list l "
              + "JOIN sqlite_schema s ON s.name = l.name AND s.type = 'table' AND s.rootpage > 0 WHERE l.schema = 'main'")) {
        while (rs.next()) {
          tables.put(rs.getString(1), rs.getInt(2) != 0);
        }
      }
      Map<String, List<Map<String, Value>>> out = new TreeMap<>();
      for (Map.Entry<String, Boolean> t : tables.entrySet()) {
        String order = "rowid";
        if (t.getValue()) {
          List<String> pk = new ArrayList<>();
          try (Statement st = c.createStatement();
              ResultSet rs = st.executeQuery("SELECT name FROM pragma_table_info('" + t.getKey() + "') WHERE pk > 0 ORDER BY pk")) {
            while (rs.next()) {
              pk.add("\"" + rs.getString(1) + "\"");
            }
          }
          order = String.join(", ", pk);
        }
        List<Map<String, Value>> rows = new ArrayList<>();
        try (Statement st = c.createStatement();
            ResultSet rs = st.executeQuery("SELECT * FROM \"" + t.getKey() + "\" ORDER BY " + order)) {
          ResultSetMetaData md = rs.getMetaData();
          while (rs.next()) {
            Map<String, Value> row = new LinkedHashMap<>();
            for (int i = 1; i <= md.getColumnCount(); i++) {
              row.put(md.getColumnName(i), value(rs.getObject(i)));
            }
            rows.add(row);
          }
        }
        out.put(t.getKey(), rows);
      }
      return out;
    }
  }

  static Value value(Object o) {
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
    throw new IllegalArgumentException("unexpected JDBC value " + o.getClass());
  }

  /** Every table of {@code db} at the replica, scanned page by page. */
  static List<Map<String, Value>> scanAll(Replica r, String db, String table) {
    List<Map<String, Value>> out = new ArrayList<>();
    Optional<String> after = Optional.empty();
    do {
      RangeRead page = r.scan(db, table, after, 500, Freshness.ANY);
      out.addAll(page.rows());
      after = page.next();
    } while (after.isPresent());
    return out;
  }

  /** Asserts that the replica holds exactly what SQLite holds in {@code file}. */
  static void assertSame(Replica r, String db, Path file, String context) throws SQLException {
    Map<String, List<Map<String, Value>>> expected = read(file);
    assertThat(r.status().databases().get(db).tables()).as("table count %s", context).isEqualTo(expected.size());
    for (Map.Entry<String, List<Map<String, Value>>> t : expected.entrySet()) {
      List<Map<String, Value>> actual = scanAll(r, db, t.getKey());
      assertThat(actual).as("table %s %s", t.getKey(), context).hasSize(t.getValue().size());
      assertThat(actual).as("table %s %s", t.getKey(), context).isEqualTo(t.getValue());
    }
  }
}
