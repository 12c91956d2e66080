package io.walflow.ingest.decode;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.change.Column;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.RowChange;
import io.walflow.ingest.change.SchemaChange;
import io.walflow.ingest.change.Value;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * The oracle's consumer: tables held as key → row, built only by applying decoded change sets the
 * way a downstream consumer would, and compared with what SQLite returns (test fixture).
 */
final class Model {
  private record Stored(OptionalLong rowid, Map<String, Value> row) {}

  private static final class Table {
    List<Column> columns;
    final Map<Object, Stored> rows = new HashMap<>();

    Table(List<Column> columns) {
      this.columns = columns;
    }

    List<String> keyNames() {
      List<Column> pk = new ArrayList<>();
      for (Column c : columns) {
        if (c.pk() > 0) {
          pk.add(c);
        }
      }
      pk.sort(Comparator.comparingInt(Column::pk));
      return pk.stream().map(Column::name).toList();
    }
  }

  private final Map<String, Table> tables = new TreeMap<>();

  /** Applies one change set, checking it against what the model holds. */
  void apply(ChangeSet set) {
    for (SchemaChange s : set.schemaChanges()) {
      switch (s.op()) {
        case CREATE_TABLE -> {
          assertThat(tables).as("create %s", s.table()).doesNotContainKey(s.table());
          if (!s.columns().isEmpty()) {
            tables.put(s.table(), new Table(s.columns()));
          }
        }
        case DROP_TABLE -> tables.remove(s.table());
        case ALTER_TABLE -> alter(s);
        default -> { }
      }
    }
    for (RowChange r : set.rowChanges()) {
      Table t = tables.get(r.table());
      assertThat(t).as("table %s of %s", r.table(), r).isNotNull();
      Object id = id(r.rowid(), r.key());
      Stored old = t.rows.get(id);
      switch (r.op()) {
        case INSERT -> {
          assertThat(old).as("insert of an existing key: %s", r).isNull();
          t.rows.put(id, new Stored(r.rowid(), r.after()));
        }
        case UPDATE -> {
          assertThat(old).as("update of a missing key: %s", r).isNotNull();
          assertThat(old.row()).as("before of %s", r).isEqualTo(r.before());
          assertThat(r.key()).as("update keeps the key: %s", r).isEqualTo(key(t, r.after(), r.rowid()));
          t.rows.put(id, new Stored(r.rowid(), r.after()));
        }
        case DELETE -> {
          assertThat(old).as("delete of a missing key: %s", r).isNotNull();
          assertThat(old.row()).as("before of %s", r).isEqualTo(r.before());
          t.rows.remove(id);
        }
      }
    }
  }

  private void alter(SchemaChange s) {
    String from = s.previousName().orElse(s.table());
    Table t = tables.remove(from);
    assertThat(t).as("alter of missing table %s", from).isNotNull();
    Table n = new Table(s.columns());
    for (Stored old : t.rows.values()) {
      Map<String, Value> row = new LinkedHashMap<>();
      for (Column c : s.columns()) {
        String src = c.previousName().orElse(c.name());
        Value v = old.row().get(src);
        if (v == null) {
          assertThat(c.defaultValue()).as("default of added column %s", c.name()).isPresent();
          v = c.defaultValue().get();
        }
        row.put(c.name(), v);
      }
      n.rows.put(id(old.rowid(), key(n, row, old.rowid())), new Stored(old.rowid(), row));
    }
    tables.put(s.table(), n);
  }

  /**
   * Rows of rowid tables are identified by rowid: SQLite lets a declared primary key of a rowid
   * table hold NULLs, and NULLs never collide, so such keys need not be unique.
   */
  private static Object id(OptionalLong rowid, Map<String, Value> key) {
    return rowid.isPresent() ? (Object) rowid.getAsLong() : key;
  }

  private static Map<String, Value> key(Table t, Map<String, Value> row, OptionalLong rowid) {
    List<String> names = t.keyNames();
    Map<String, Value> key = new LinkedHashMap<>();
    if (names.isEmpty()) {
      key.put("rowid", new IntegerValue(rowid.orElseThrow()));
    }
    for (String n : names) {
      key.put(n, row.get(n));
    }
    return key;
  }

  /** Asserts that the model holds exactly what SQLite returns for every table. */
  void assertMatches(Connection conn, String context) throws SQLException {
    Map<String, Boolean> expected = new TreeMap<>();
    try (Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery("SELECT l.name, l.wr FROM pragma_table_list l "
            + "JOIN sqlite_schema s ON s.name = l.name AND s.type = 'table' AND s.rootpage > 0 "
            + "WHERE l.schema = 'main'")) {
      while (rs.next()) {
        expected.put(rs.getString(1), rs.getInt(2) != 0);
      }
    }
    assertThat(tables.keySet()).as("tables %s", context).isEqualTo(expected.keySet());
    for (Map.Entry<String, Boolean> e : expected.entrySet()) {
      String name = e.getKey();
      Table t = tables.get(name);
      List<String> cols = new ArrayList<>();
      try (PreparedStatement ps = conn.prepareStatement(
          "SELECT name FROM pragma_table_xinfo(?) WHERE hidden IN (0, 3) ORDER BY cid")) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            cols.add(rs.getString(1));
          }
        }
      }
      assertThat(t.columns.stream().map(Column::name).toList()).as("columns of %s %s", name, context)
          .isEqualTo(cols);
      boolean wr = e.getValue();
      StringBuilder sql = new StringBuilder("SELECT ").append(wr ? "0" : "rowid");
      for (String c : cols) {
        String q = "\"" + c.replace("\"", "\"\"") + "\"";
        sql.append(", typeof(").append(q).append("), ").append(q);
      }
      sql.append(" FROM \"").append(name.replace("\"", "\"\"")).append("\"");
      Map<Object, Stored> actual = new HashMap<>();
      try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(sql.toString())) {
        while (rs.next()) {
          Map<String, Value> row = new LinkedHashMap<>();
          for (int i = 0; i < cols.size(); i++) {
            row.put(cols.get(i), SchemaInterpreter.read(rs, 2 + 2 * i));
          }
          OptionalLong rowid = wr ? OptionalLong.empty() : OptionalLong.of(rs.getLong(1));
          actual.put(id(rowid, key(t, row, rowid)), new Stored(rowid, row));
        }
      }
      assertThat(t.rows.size()).as("row count of %s %s", name, context).isEqualTo(actual.size());
      for (Map.Entry<Object, Stored> r : actual.entrySet()) {
        assertThat(t.rows.get(r.getKey())).as("row %s of %s %s", r.getKey(), name, context)
            .isEqualTo(r.getValue());
      }
    }
  }
}
