package io.walflow.dataflow;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.change.Value;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * IN lists against SQLite where the storage classes mix and integers sit at the edge of 64 bits:
 * SQLite compares an integer with a real exactly (9223372036854775807 is not 9.223372036854776e18),
 * applies the column's affinity to the list's elements, and a NULL in the list makes a miss NULL.
 */
class InListTest {
  @TempDir Path dir;

  static final Tables M = new Tables("app", "m", List.of("id", "i", "t", "r", "b"),
      List.of("INTEGER", "INTEGER", "TEXT", "REAL", "BLOB"));

  static final Object[] VALUES = {
    Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 1, 9.223372036854776E18, -9.223372036854776E18,
    "9223372036854775807", "9223372036854775808", "12", 12L, 12.0, 12.5, "12.0", " 12", "abc", null,
    new byte[] {0x31, 0x32}, 1e300, 0L, -0.0, "0x10", 16L, 9007199254740993L, 9.007199254740992E15
  };

  static final List<String> QUERIES = List.of(
      "SELECT id FROM m WHERE i IN (9223372036854775807, 9223372036854775808, -9223372036854775808, '12', 12.0)",
      "SELECT id FROM m WHERE i IN (9.223372036854776e18, 9007199254740992)",
      "SELECT id FROM m WHERE t IN (12, '12', 9223372036854775807, 12.0)",
      "SELECT id FROM m WHERE r IN (9223372036854775807, 12, '12', 9007199254740993)",
      "SELECT id FROM m WHERE b IN (12, '12', 12.0)",
      "SELECT id FROM m WHERE i NOT IN (0, 16, NULL)",
      "SELECT id FROM m WHERE i NOT IN (0, 16, 12)",
      "SELECT id, i IN (9223372036854775807, 12) AS x, t IN (12, 'abc') AS y, r NOT IN (0, 12) AS z FROM m",
      "SELECT id FROM m WHERE i + 0 IN (9223372036854775807, '12')",
      "SELECT id FROM m WHERE i IN (t, r, b)");

  @Test
  void inLists_withLargeIntegersAndMixedStorageClasses_equalSqlite() throws Exception {
    try (Connection sqlite = DriverManager.getConnection("jdbc:sqlite::memory:");
        Dataflow d = Dataflow.open(DataflowConfig.defaults(dir.resolve("e")))) {
      try (Statement st = sqlite.createStatement()) {
        st.execute("CREATE TABLE m(id INTEGER PRIMARY KEY, i INTEGER, t TEXT, r REAL, b BLOB)");
      }
      long id = 0;
      try (PreparedStatement ps = sqlite.prepareStatement("INSERT INTO m VALUES (?, ?, ?, ?, ?)")) {
        for (Object v : VALUES) {
          ps.setLong(1, ++id);
          for (int c = 2; c <= 5; c++) {
            ps.setObject(c, v);
          }
          ps.executeUpdate();
        }
      }
      // the engine gets the values as SQLite stored them (after the columns' affinity)
      d.snapshotBegin("app", 0, Instant.EPOCH);
      d.snapshotChange("app", 0, M.create());
      d.snapshotEnd("app", 0);
      List<io.walflow.ingest.change.RowChange> inserts = new ArrayList<>();
      try (Statement st = sqlite.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM m")) {
        while (rs.next()) {
          Object[] row = new Object[5];
          for (int c = 0; c < 5; c++) {
            Object o = rs.getObject(c + 1);
            row[c] = o instanceof Integer x ? Long.valueOf(x) : o;
          }
          inserts.add(insert(row));
        }
      }
      for (int q = 0; q < QUERIES.size(); q++) {
        d.createView("q" + q, QUERIES.get(q));
      }
      d.commit("app", 1, Instant.EPOCH, new ChangeSet(List.of(), inserts));
      for (int q = 0; q < QUERIES.size(); q++) {
        List<String> actual = new ArrayList<>(d.lookup("q" + q, List.of(), 1, Duration.ofSeconds(10)).rows()
            .stream().map(ViewOracle::render).toList());
        List<String> expected = new ArrayList<>(ViewOracle.sqliteRows(sqlite, QUERIES.get(q), List.of()));
        actual.sort(null);
        expected.sort(null);
        assertThat(actual).as(QUERIES.get(q)).isEqualTo(expected);
      }
    }
  }

  private static io.walflow.ingest.change.RowChange insert(Object[] row) {
    java.util.Map<String, Value> m = new java.util.LinkedHashMap<>();
    for (int c = 0; c < row.length; c++) {
      Object o = row[c];
      m.put(M.columns().get(c), o == null ? Value.ofNull()
          : o instanceof Long x ? Value.of(x)
          : o instanceof Double x ? Value.of(x)
          : o instanceof String x ? Value.of(x)
          : Value.of((byte[]) o));
    }
    long id = (Long) row[0];
    return new io.walflow.ingest.change.RowChange("m", io.walflow.ingest.change.Op.INSERT,
        java.util.OptionalLong.of(id), java.util.Map.of("rowid", Value.of(id)), java.util.Map.of(), m);
  }
}
