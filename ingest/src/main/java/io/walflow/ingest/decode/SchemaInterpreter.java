package io.walflow.ingest.decode;

import io.walflow.ingest.change.BlobValue;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.RealValue;
import io.walflow.ingest.change.TextValue;
import io.walflow.ingest.change.Value;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Interprets CREATE TABLE statements with SQLite itself instead of a hand-written DDL parser: the
 * statement is executed in a private in-memory database, and {@code pragma_table_xinfo}, {@code
 * pragma_table_list} and {@code pragma_index_list} say what SQLite made of it — column names,
 * declared types, primary-key positions, NOT NULL, generated columns, WITHOUT ROWID, and whether an
 * INTEGER PRIMARY KEY is a rowid alias (it is not when SQLite had to build a separate primary-key
 * index, as for {@code INTEGER PRIMARY KEY DESC}).
 *
 * <p>Column defaults are evaluated the way SQLite reads short records: a probe table with one row
 * gets the column added by {@code ALTER TABLE … ADD COLUMN} with the same type and default, and
 * the probe row's value is the default (affinity applied). SQLite refuses non-constant defaults
 * there; such a default has no value (see {@link io.walflow.ingest.change.Column#defaultValue()}).
 *
 * <p>Results are cached by SQL text, so each distinct statement is interpreted once per decoder.
 * Not thread-safe; owned by one {@link CommitDecoder}.
 */
final class SchemaInterpreter implements AutoCloseable {
  /** Name under which SQLite-internal tables (sqlite_sequence, sqlite_stat1 …) are interpreted. */
  private static final String INTERNAL_ALIAS = "walflow_internal_table";
  private static final String PROBE = "walflow_default_probe";

  private final Map<String, TableDef> cache = new HashMap<>();
  private Connection db;

  /**
   * The definition of table {@code name} created by {@code sql}.
   *
   * @throws SchemaException if SQLite refuses the statement or it does not create {@code name}
   */
  TableDef table(String name, String sql) {
    TableDef cached = cache.get(sql);
    if (cached != null && cached.name().equals(name)) {
      return cached;
    }
    TableDef def = interpret(name, sql);
    cache.put(sql, def);
    return def;
  }

  private TableDef interpret(String name, String sql) {
    if (!sql.regionMatches(true, 0, "CREATE TABLE", 0, "CREATE TABLE".length())) {
      throw new SchemaException(name, "expected a CREATE TABLE statement, found: " + abbreviate(sql), null);
    }
    String createSql = sql;
    String probeName = name;
    if (name.toLowerCase(Locale.ROOT).startsWith("sqlite_")) {
      // SQLite reserves these names; it wrote the statement itself as "CREATE TABLE name(…)".
      String prefix = "CREATE TABLE " + name;
      if (!sql.regionMatches(true, 0, prefix, 0, prefix.length())) {
        throw new SchemaException(name, "internal table with unexpected SQL: " + abbreviate(sql), null);
      }
      createSql = "CREATE TABLE " + INTERNAL_ALIAS + sql.substring(prefix.length());
      probeName = INTERNAL_ALIAS;
    }
    try {
      Connection c = connection();
      try {
        try (PreparedStatement create = c.prepareStatement(createSql)) {
          create.execute();
        }
        return describe(c, name, probeName, sql);
      } finally {
        dropEverything(c);
      }
    } catch (SQLException e) {
      throw new SchemaException(name, "SQLite cannot interpret " + abbreviate(sql) + ": " + e.getMessage(), e);
    }
  }

  private TableDef describe(Connection c, String name, String probeName, String sql) throws SQLException {
    boolean withoutRowid;
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?")) {
      ps.setString(1, probeName);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new SchemaException(name, "the statement does not create a table named " + name, null);
        }
        withoutRowid = rs.getInt(1) != 0;
      }
    }
    boolean pkIndex = false;
    try (PreparedStatement ps = c.prepareStatement("SELECT origin FROM pragma_index_list(?)")) {
      ps.setString(1, probeName);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          pkIndex |= "pk".equals(rs.getString(1));
        }
      }
    }
    List<ColumnDef> columns = new ArrayList<>();
    List<int[]> pk = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid")) {
      ps.setString(1, probeName);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          int hidden = rs.getInt(6);
          if (hidden == 1 || hidden == 2) {
            continue; // virtual-table hidden columns and VIRTUAL generated columns are not stored
          }
          String type = rs.getString(2) == null ? "" : rs.getString(2);
          Optional<String> dflt = Optional.ofNullable(rs.getString(4));
          int pkPos = rs.getInt(5);
          if (pkPos > 0) {
            pk.add(new int[] {pkPos, columns.size()});
          }
          columns.add(new ColumnDef(rs.getString(1), type, pkPos, rs.getInt(3) != 0, dflt,
              Optional.empty()));
        }
      }
    }
    if (columns.isEmpty()) {
      throw new SchemaException(name, "SQLite reports no stored columns", null);
    }
    pk.sort((a, b) -> Integer.compare(a[0], b[0]));
    List<Integer> pkColumns = new ArrayList<>();
    for (int[] p : pk) {
      pkColumns.add(p[1]);
    }
    int alias = -1;
    if (!withoutRowid && pkColumns.size() == 1 && !pkIndex
        && columns.get(pkColumns.get(0)).type().equalsIgnoreCase("INTEGER")) {
      alias = pkColumns.get(0);
    }
    List<ColumnDef> withDefaults = new ArrayList<>(columns.size());
    for (ColumnDef col : columns) {
      withDefaults.add(new ColumnDef(col.name(), col.type(), col.pk(), col.notNull(),
          col.defaultSql(), defaultValue(c, col)));
    }
    return new TableDef(name, sql, withoutRowid, List.copyOf(withDefaults), alias, List.copyOf(pkColumns));
  }

  /** The value SQLite gives a row stored before the column existed; see the class comment. */
  private static Optional<Value> defaultValue(Connection c, ColumnDef col) throws SQLException {
    if (col.defaultSql().isEmpty()) {
      return Optional.of(NullValue.INSTANCE);
    }
    try (Statement st = c.createStatement()) {
      st.execute("DROP TABLE IF EXISTS " + PROBE);
      st.execute("CREATE TABLE " + PROBE + "(x)");
      st.execute("INSERT INTO " + PROBE + " VALUES (1)");
      try {
        st.execute("ALTER TABLE " + PROBE + " ADD COLUMN c " + col.type() + " DEFAULT " + col.defaultSql().get());
      } catch (SQLException nonConstant) {
        return Optional.empty();
      }
      try (ResultSet rs = st.executeQuery("SELECT typeof(c), c FROM " + PROBE)) {
        rs.next();
        return Optional.of(read(rs, 1));
      }
    } finally {
      try (Statement st = c.createStatement()) {
        st.execute("DROP TABLE IF EXISTS " + PROBE);
      }
    }
  }

  /** Reads the value at column {@code i + 1} whose {@code typeof()} is at column {@code i}. */
  static Value read(ResultSet rs, int i) throws SQLException {
    switch (rs.getString(i)) {
      case "integer":
        return new IntegerValue(rs.getLong(i + 1));
      case "real":
        return new RealValue(rs.getDouble(i + 1));
      case "text":
        return new TextValue(rs.getString(i + 1));
      case "blob":
        return new BlobValue(rs.getBytes(i + 1));
      default:
        return NullValue.INSTANCE;
    }
  }

  private static void dropEverything(Connection c) throws SQLException {
    List<String> tables = new ArrayList<>();
    try (Statement st = c.createStatement();
        // sqlite_sequence (left by AUTOINCREMENT) cannot be dropped and does no harm.
        ResultSet rs = st.executeQuery(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")) {
      while (rs.next()) {
        tables.add(rs.getString(1));
      }
    }
    try (Statement st = c.createStatement()) {
      for (String t : tables) {
        st.execute("DROP TABLE IF EXISTS \"" + t.replace("\"", "\"\"") + "\"");
      }
    }
  }

  private Connection connection() throws SQLException {
    if (db == null) {
      db = DriverManager.getConnection("jdbc:sqlite::memory:");
    }
    return db;
  }

  private static String abbreviate(String sql) {
    return sql.length() <= 200 ? sql : sql.substring(0, 200) + "…";
  }

  @Override
  public void close() {
    if (db != null) {
      try {
        db.close();
      } catch (SQLException e) {
        // Closing an in-memory database frees memory only; nothing to recover or report.
      } finally {
        db = null;
      }
    }
  }
}
