package io.walflow.ingest.decode;

import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A random workload driven by one seed: random tables (rowid, INTEGER PRIMARY KEY, composite keys,
 * WITHOUT ROWID, AUTOINCREMENT; REAL/TEXT/BLOB/NUMERIC/untyped columns), transactions of 1 to 5,000
 * rows, values larger than a page, updates of single bytes deep in overflow chains, ALTER TABLE,
 * DROP, CREATE INDEX, table rebuilds, VACUUM and incremental vacuum. Every commit is checked by the
 * {@link Harness}. Values are generated here and bound as parameters, so a seed replays exactly.
 */
final class Workload {
  private static final String[] TYPES = {"INTEGER", "REAL", "TEXT", "BLOB", "NUMERIC", "", "VARCHAR(10)", "DOUBLE"};
  private static final String[] UNICODE = {"a", "é", "ß", "中", "😀", "\u0000", "z", " ", "Ω", "\uD834\uDD1E"};

  private record Col(String name, String type) {}

  /** The generator's view of one table (the decoder never sees it). */
  private static final class Tbl {
    String name;
    final List<Col> cols = new ArrayList<>();
    final List<String> keyCols = new ArrayList<>();
    boolean withoutRowid;

    Tbl copy() {
      Tbl t = new Tbl();
      t.name = name;
      t.cols.addAll(cols);
      t.keyCols.addAll(keyCols);
      t.withoutRowid = withoutRowid;
      return t;
    }
  }

  /** What the workloads of this JVM did, to show that the property exercised what it claims. */
  static final java.util.Map<String, java.util.concurrent.atomic.LongAdder> STATS =
      new java.util.concurrent.ConcurrentSkipListMap<>();

  static void count(String what, long n) {
    STATS.computeIfAbsent(what, k -> new java.util.concurrent.atomic.LongAdder()).add(n);
  }

  private final Random rnd;
  private final Harness h;
  private final int pageSize;
  private List<Tbl> tables = new ArrayList<>();
  private int names;

  Workload(long seed, Harness h, int pageSize) {
    this.rnd = new Random(seed);
    this.h = h;
    this.pageSize = pageSize;
  }

  /** Runs {@code transactions} random transactions, checking each commit. */
  void run(int transactions) throws SQLException {
    transaction(() -> createTable(true));
    for (int i = 0; i < transactions; i++) {
      int r = rnd.nextInt(100);
      if (r < 3) {
        count("vacuum", 1);
        assertOnlyRenumbered(h.autocommit("VACUUM"));
      } else if (r < 6) {
        count("incremental_vacuum", 1);
        h.autocommit("PRAGMA incremental_vacuum(" + (1 + rnd.nextInt(20)) + ")");
      } else {
        transaction(() -> {
          int ops = 1 + rnd.nextInt(3);
          for (int k = 0; k < ops; k++) {
            operation();
          }
        });
      }
    }
    h.checkSnapshot();
  }

  /**
   * VACUUM changes no content, but SQLite may give rows of tables without an INTEGER PRIMARY KEY
   * new rowids (it always does for sqlite_sequence). Row changes keyed by rowid are then needed,
   * but per table they must only move contents around: the multiset of rows is unchanged. The only
   * schema change allowed is the disappearance of SQLite's own empty tables.
   */
  private static void assertOnlyRenumbered(io.walflow.ingest.change.ChangeSet c) {
    java.util.Map<String, List<Object>> balance = new java.util.TreeMap<>();
    for (io.walflow.ingest.change.RowChange r : c.rowChanges()) {
      List<Object> rows = balance.computeIfAbsent(r.table(), k -> new ArrayList<>());
      if (!r.before().isEmpty()) {
        rows.add(r.before());
      }
      count("vacuum rowid renumberings (" + r.table().replaceAll("\\d", "") + ")", 1);
    }
    for (io.walflow.ingest.change.RowChange r : c.rowChanges()) {
      if (!r.after().isEmpty() && !balance.get(r.table()).remove(r.after())) {
        throw new AssertionError("VACUUM created contents that were not there: " + r);
      }
    }
    balance.forEach((t, rows) -> {
      if (!rows.isEmpty()) {
        throw new AssertionError("VACUUM lost rows of " + t + ": " + rows);
      }
    });
    for (io.walflow.ingest.change.SchemaChange e : c.schemaChanges()) {
      // VACUUM does not recreate an empty sqlite_sequence once no AUTOINCREMENT table is left.
      if (!e.table().startsWith("sqlite_")) {
        throw new AssertionError("VACUUM changed the schema: " + c.schemaChanges());
      }
      count("vacuum drops of " + e.table(), 1);
    }
  }

  private interface Work {
    void run() throws SQLException;
  }

  private void transaction(Work work) throws SQLException {
    List<Tbl> saved = new ArrayList<>();
    tables.forEach(t -> saved.add(t.copy()));
    h.db.conn.setAutoCommit(false);
    try {
      work.run();
      h.db.conn.commit();
    } catch (SQLException refused) {
      // SQLite refused a random statement (a constraint, a column it will not drop): undo it all.
      h.db.conn.rollback();
      tables = saved;
      count("transactions rolled back", 1);
      return;
    } finally {
      h.db.conn.setAutoCommit(true);
    }
    io.walflow.ingest.change.ChangeSet c = h.check("transaction " + h.commits);
    count("commits checked", 1);
    count("row changes", c.rowChanges().size());
    c.rowChanges().forEach(r -> count("row " + r.op(), 1));
    c.schemaChanges().forEach(e -> count("schema " + e.op() + (e.previousName().isPresent() ? " (rename)" : ""), 1));
    c.schemaChanges().forEach(e -> e.columns().forEach(col -> col.previousName().ifPresent(x -> count("column renames", 1))));
  }

  private void operation() throws SQLException {
    if (tables.isEmpty()) {
      createTable(true);
      return;
    }
    Tbl t = tables.get(rnd.nextInt(tables.size()));
    int r = rnd.nextInt(100);
    if (r < 35) {
      insert(t, rowCount());
    } else if (r < 55) {
      update(t);
    } else if (r < 64) {
      overflowTailUpdate(t);
    } else if (r < 76) {
      delete(t);
    } else if (r < 79) {
      exec("ALTER TABLE " + t.name + " ADD COLUMN " + addColumn(t) + " DEFAULT " + literal());
    } else if (r < 82) {
      renameColumn(t);
    } else if (r < 85) {
      dropColumn(t);
    } else if (r < 87) {
      String old = t.name;
      t.name = "t" + names++;
      exec("ALTER TABLE " + old + " RENAME TO " + t.name);
    } else if (r < 89) {
      exec("DROP TABLE " + t.name);
      tables.remove(t);
    } else if (r < 93) {
      createTable(rnd.nextBoolean());
    } else if (r < 96) {
      Col c = t.cols.get(rnd.nextInt(t.cols.size()));
      exec("CREATE INDEX i" + names++ + " ON " + t.name + "(" + c.name() + ")");
    } else {
      rebuild(t);
    }
  }

  private int rowCount() {
    int r = rnd.nextInt(100);
    return r < 70 ? 1 + rnd.nextInt(20) : r < 98 ? 50 + rnd.nextInt(250) : 5000;
  }

  private void createTable(boolean fill) throws SQLException {
    Tbl t = new Tbl();
    t.name = "t" + names++;
    int kind = rnd.nextInt(6);
    StringBuilder sql = new StringBuilder("CREATE TABLE " + t.name + "(");
    List<String> defs = new ArrayList<>();
    switch (kind) {
      case 1, 5 -> {
        t.cols.add(new Col("id", "INTEGER"));
        defs.add("id INTEGER PRIMARY KEY" + (kind == 5 ? " AUTOINCREMENT" : ""));
      }
      case 2, 3, 4 -> {
        t.cols.add(new Col("k1", "TEXT"));
        t.cols.add(new Col("k2", "INTEGER"));
        defs.add("k1 TEXT NOT NULL");
        defs.add("k2 INTEGER NOT NULL");
        if (kind == 3) {
          t.keyCols.add("k1");
        } else {
          t.keyCols.add("k2");
          t.keyCols.add("k1");
        }
        t.withoutRowid = kind != 2;
      }
      default -> { }
    }
    int n = 1 + rnd.nextInt(4);
    for (int i = 0; i < n; i++) {
      String type = TYPES[rnd.nextInt(TYPES.length)];
      Col c = new Col("c" + names++, type);
      t.cols.add(c);
      defs.add(c.name() + " " + type + (rnd.nextInt(5) == 0 ? " DEFAULT " + literal() : ""));
    }
    sql.append(String.join(", ", defs));
    if (!t.keyCols.isEmpty()) {
      sql.append(", PRIMARY KEY(").append(String.join(", ", t.keyCols)).append(")");
    }
    sql.append(")").append(t.withoutRowid ? " WITHOUT ROWID" : "");
    exec(sql.toString());
    tables.add(t);
    if (fill) {
      insert(t, rowCount());
    }
  }

  private String addColumn(Tbl t) {
    Col c = new Col("c" + names++, TYPES[rnd.nextInt(TYPES.length)]);
    t.cols.add(c);
    return c.name() + " " + c.type();
  }

  private void renameColumn(Tbl t) throws SQLException {
    int i = rnd.nextInt(t.cols.size());
    Col old = t.cols.get(i);
    Col renamed = new Col("c" + names++, old.type());
    exec("ALTER TABLE " + t.name + " RENAME COLUMN " + old.name() + " TO " + renamed.name());
    t.cols.set(i, renamed);
    t.keyCols.replaceAll(k -> k.equals(old.name()) ? renamed.name() : k);
  }

  private void dropColumn(Tbl t) throws SQLException {
    Col c = t.cols.get(rnd.nextInt(t.cols.size()));
    exec("ALTER TABLE " + t.name + " DROP COLUMN " + c.name());
    t.cols.remove(c);
  }

  /** The migration recipe: new table, copy, drop, rename — one transaction. */
  private void rebuild(Tbl t) throws SQLException {
    String tmp = "t" + names++;
    String sql;
    try (Statement st = h.db.conn.createStatement();
        ResultSet rs = st.executeQuery("SELECT sql FROM sqlite_schema WHERE name = '" + t.name + "'")) {
      rs.next();
      sql = rs.getString(1);
    }
    exec(sql.replaceFirst("(?i)^CREATE TABLE \"?" + t.name + "\"?", "CREATE TABLE " + tmp),
        "INSERT INTO " + tmp + " SELECT * FROM " + t.name,
        "DROP TABLE " + t.name,
        "ALTER TABLE " + tmp + " RENAME TO " + t.name);
  }

  private void insert(Tbl t, int rows) throws SQLException {
    List<String> names = t.cols.stream().map(Col::name).toList();
    String sql = "INSERT OR REPLACE INTO " + t.name + "(" + String.join(", ", names) + ") VALUES ("
        + "?, ".repeat(names.size() - 1) + "?)";
    try (PreparedStatement ps = h.db.conn.prepareStatement(sql)) {
      for (int r = 0; r < rows; r++) {
        for (int i = 0; i < t.cols.size(); i++) {
          ps.setObject(i + 1, valueFor(t, t.cols.get(i)));
        }
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  private Object valueFor(Tbl t, Col c) {
    if (c.name().equals("id")) {
      return rnd.nextInt(4) == 0 ? null : (long) rnd.nextInt(10_000);
    } else if (t.keyCols.contains(c.name()) || c.name().equals("k1") || c.name().equals("k2")) {
      return c.type().equals("TEXT") ? "k" + rnd.nextInt(300) : (Object) (long) rnd.nextInt(300);
    }
    return value();
  }

  /** Identifies rows: rowid for rowid tables, the key columns otherwise. */
  private List<Object[]> someRows(Tbl t, int max) throws SQLException {
    return someRows(t, max, "");
  }

  private List<Object[]> someRows(Tbl t, int max, String filter) throws SQLException {
    String idCols = t.withoutRowid ? String.join(", ", t.keyCols) : "rowid";
    List<Object[]> all = new ArrayList<>();
    try (Statement st = h.db.conn.createStatement();
        ResultSet rs = st.executeQuery("SELECT " + idCols + " FROM " + t.name + filter)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        Object[] id = new Object[n];
        for (int i = 0; i < n; i++) {
          id[i] = rs.getObject(i + 1);
        }
        all.add(id);
      }
    }
    List<Object[]> picked = new ArrayList<>();
    for (int i = 0; i < max && !all.isEmpty(); i++) {
      picked.add(all.remove(rnd.nextInt(all.size())));
    }
    return picked;
  }

  private String where(Tbl t) {
    if (!t.withoutRowid) {
      return " WHERE rowid = ?";
    }
    return " WHERE " + String.join(" AND ", t.keyCols.stream().map(k -> k + " = ?").toList());
  }

  private void update(Tbl t) throws SQLException {
    Col c = t.cols.get(rnd.nextInt(t.cols.size()));
    try (PreparedStatement ps = h.db.conn.prepareStatement(
        "UPDATE OR REPLACE " + t.name + " SET " + c.name() + " = ?" + where(t))) {
      for (Object[] id : someRows(t, rowCount())) {
        ps.setObject(1, valueFor(t, c));
        for (int i = 0; i < id.length; i++) {
          ps.setObject(i + 2, id[i]);
        }
        ps.executeUpdate();
      }
    }
  }

  /** Changes one byte near the end of a large blob or text: only overflow pages change. */
  private void overflowTailUpdate(Tbl t) throws SQLException {
    Col c = t.cols.get(rnd.nextInt(t.cols.size()));
    for (Object[] id : someRows(t, 3, " WHERE length(" + c.name() + ") > " + pageSize / 2)) {
      Object v;
      try (PreparedStatement ps = h.db.conn.prepareStatement("SELECT " + c.name() + " FROM " + t.name + where(t))) {
        for (int i = 0; i < id.length; i++) {
          ps.setObject(i + 1, id[i]);
        }
        try (ResultSet rs = ps.executeQuery()) {
          v = rs.next() ? rs.getObject(1) : null;
        }
      }
      count("overflow tail updates", 1);
      Object changed;
      if (v instanceof byte[] b && b.length > 0) {
        b[b.length - 1 - rnd.nextInt(Math.min(b.length, 16))] ^= 1;
        changed = b;
      } else if (v instanceof String s && s.length() > 0) {
        changed = s.substring(0, s.length() - 1) + (s.endsWith("x") ? "y" : "x");
      } else {
        continue;
      }
      try (PreparedStatement ps = h.db.conn.prepareStatement("UPDATE " + t.name + " SET " + c.name() + " = ?" + where(t))) {
        ps.setObject(1, changed);
        for (int i = 0; i < id.length; i++) {
          ps.setObject(i + 2, id[i]);
        }
        ps.executeUpdate();
      }
    }
  }

  private void delete(Tbl t) throws SQLException {
    if (rnd.nextInt(4) == 0 && !t.withoutRowid) {
      exec("DELETE FROM " + t.name + " WHERE rowid % " + (2 + rnd.nextInt(5)) + " = 0");
      return;
    }
    try (PreparedStatement ps = h.db.conn.prepareStatement("DELETE FROM " + t.name + where(t))) {
      for (Object[] id : someRows(t, rowCount())) {
        for (int i = 0; i < id.length; i++) {
          ps.setObject(i + 1, id[i]);
        }
        ps.executeUpdate();
      }
    }
  }

  private void exec(String... sql) throws SQLException {
    h.db.exec(sql);
  }

  private Object value() {
    int r = rnd.nextInt(100);
    boolean large = rnd.nextInt(20) == 0;
    int size = large ? pageSize / 2 + rnd.nextInt(Math.min(3 * pageSize, 200_000)) : rnd.nextInt(24);
    if (r < 10) {
      return null;
    } else if (r < 35) {
      long[] special = {0, 1, -1, 127, 128, 32767, -32768, 8388607, 2147483647L, -2147483648L,
          140737488355327L, (1L << 53) + 1, Long.MAX_VALUE, Long.MIN_VALUE};
      return rnd.nextBoolean() ? special[rnd.nextInt(special.length)] : rnd.nextLong() >> rnd.nextInt(64);
    } else if (r < 55) {
      double[] special = {0.0, -0.0, 1.0, 3.0, -7.0, 0.5, 1e300, -1e-300, Double.MAX_VALUE,
          Double.MIN_VALUE, 9007199254740993.0, 1e20};
      return rnd.nextBoolean() ? special[rnd.nextInt(special.length)] : rnd.nextGaussian() * 1e6;
    } else if (r < 80) {
      StringBuilder s = new StringBuilder();
      while (s.length() < size) {
        s.append(UNICODE[rnd.nextInt(UNICODE.length)]);
      }
      return s.toString();
    }
    byte[] b = new byte[size];
    rnd.nextBytes(b);
    return b;
  }

  /** A constant SQL literal, for column defaults. */
  private String literal() {
    return switch (rnd.nextInt(7)) {
      case 0 -> "NULL";
      case 1 -> Long.toString(rnd.nextLong() >> rnd.nextInt(64));
      case 2 -> "3.0";
      case 3 -> "-2.5e10";
      case 4 -> "'d" + rnd.nextInt(100) + "é'";
      case 5 -> "x'" + java.util.HexFormat.of().formatHex(("b" + rnd.nextInt(9)).getBytes(StandardCharsets.UTF_8)) + "'";
      default -> "-" + rnd.nextInt(1000);
    };
  }
}
