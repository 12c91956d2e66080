package io.walflow.dataflow.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.dataflow.QueryException;
import io.walflow.dataflow.eval.SqliteEvalException;
import io.walflow.dataflow.eval.SqliteSql;
import io.walflow.dataflow.eval.SqliteValues;
import io.walflow.dataflow.plan.ViewPlan;
import io.walflow.ingest.change.BlobValue;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.RealValue;
import io.walflow.ingest.change.TextValue;
import io.walflow.ingest.change.Value;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The planner against SQLite: a catalogue of queries covering every supported construct runs on
 * random data both in SQLite and as a {@link ViewPlan} executed by {@link PlanInterpreter}, for
 * parameter values drawn from the data (and absent ones, and NULL); the results must be equal as
 * bags, and in order for ORDER BY … LIMIT over a total order. jqwik prints the seed.
 */
class PlannerOracleTest {

  static final String DB = "shop";

  static final String[] DDL = {
    "CREATE TABLE orders(id INTEGER PRIMARY KEY, customer INTEGER, product TEXT, qty INTEGER, price REAL, note)",
    "CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT, region VARCHAR(10), score NUMERIC)",
    "CREATE TABLE items(k, v)",
  };

  /** A query, and for each parameter the column whose values make good parameter values. */
  record Q(String sql, boolean ordered, String... paramSources) {}

  static final List<Q> QUERIES = List.of(
      new Q("SELECT id, product, qty * price AS total FROM orders WHERE qty > 2", false),
      new Q("SELECT product, CASE WHEN qty > 5 THEN 'big' WHEN qty IS NULL THEN 'none' ELSE 'small' END FROM orders", false),
      new Q("SELECT id, CASE product WHEN 'apple' THEN 1 WHEN 3 THEN 2 END AS c FROM orders", false),
      new Q("SELECT id FROM orders WHERE product IN ('apple', 'pear', 3) OR note LIKE 'a%'", false),
      new Q("SELECT id, qty FROM orders WHERE qty BETWEEN 2 AND 5 AND NOT (price < 1.5)", false),
      new Q("SELECT id FROM orders WHERE qty NOT BETWEEN 2 AND 5", false),
      new Q("SELECT id, note FROM orders WHERE note IS NULL OR note IS NOT NULL AND qty <> 3", false),
      new Q("SELECT id, qty / 2, qty % 3, price / 0, product || '-' || qty, -qty, +note FROM orders", false),
      new Q("SELECT * FROM orders WHERE customer = ?", false, "orders.customer"),
      new Q("SELECT id, product FROM orders WHERE ? = product AND qty >= 0", false, "orders.product"),
      new Q("SELECT product, count(*), sum(qty), avg(price), min(price), max(note), count(note), "
          + "count(DISTINCT customer) FROM orders GROUP BY product", false),
      new Q("SELECT count(*), sum(qty) FROM orders WHERE customer = ?", false, "orders.customer"),
      new Q("SELECT count(*), sum(qty), avg(price), max(qty), min(note) FROM orders WHERE qty > 6", false),
      new Q("SELECT customer, sum(qty) AS s FROM orders GROUP BY customer HAVING sum(qty) > 5", false),
      new Q("SELECT customer, count(*) FROM orders WHERE product = ? GROUP BY customer", false, "orders.product"),
      new Q("SELECT max(price) FROM orders WHERE customer = ? HAVING count(*) > 1", false, "orders.customer"),
      new Q("SELECT DISTINCT product FROM orders", false),
      new Q("SELECT DISTINCT customer, product FROM orders WHERE customer = ?", false, "orders.customer"),
      new Q("SELECT product FROM orders UNION SELECT name FROM customers", false),
      new Q("SELECT customer FROM orders UNION ALL SELECT id FROM customers UNION ALL SELECT k FROM items", false),
      new Q("SELECT id, price FROM orders ORDER BY price DESC, id LIMIT 5", true),
      new Q("SELECT id, note FROM orders ORDER BY note, id LIMIT 4 OFFSET 2", true),
      new Q("SELECT id, qty FROM orders WHERE customer = ? ORDER BY qty DESC, 1 LIMIT 3", true, "orders.customer"),
      new Q("SELECT product, sum(qty) AS s FROM orders GROUP BY 1 ORDER BY s DESC, product", false),
      new Q("SELECT o.id, c.name FROM orders o JOIN customers c ON o.customer = c.id", false),
      new Q("SELECT o.id, c.name FROM orders o LEFT JOIN customers c ON o.customer = c.id AND c.score > 2", false),
      new Q("SELECT o.id, c.region FROM orders o, customers c WHERE o.customer = c.id AND c.region = ?", false,
          "customers.region"),
      new Q("SELECT region, count(*), sum(o.qty) FROM orders o JOIN customers c ON o.customer = c.id GROUP BY region", false),
      new Q("SELECT o.id, c.name, i.v FROM orders o JOIN customers c ON c.id = o.customer LEFT JOIN items i ON i.k = o.qty", false),
      new Q("SELECT t.product, t.n FROM (SELECT product, count(*) AS n FROM orders GROUP BY product) AS t WHERE t.n > 1", false),
      new Q("SELECT x.a + 1 FROM (SELECT qty AS a FROM orders WHERE qty IS NOT NULL ORDER BY qty, id LIMIT 3) x", false),
      new Q("SELECT k, v FROM items WHERE k = v", false),
      new Q("SELECT k, v FROM items WHERE k < v OR k = '1'", false),
      new Q("SELECT id FROM customers WHERE score = '3' OR score > '2'", false),
      new Q("SELECT id FROM customers WHERE name = 5 OR region IN (1, 'north')", false),
      new Q("SELECT k FROM items WHERE k = ?", false, "items.k"),
      new Q("SELECT id FROM customers WHERE score = ?", false, "customers.score"),
      new Q("SELECT CAST(price AS INTEGER), typeof(note), length(product), upper(product), lower(product), abs(qty), "
          + "round(price, 1), round(price), substr(product, 2, 2), substr(product, 2), coalesce(note, product, 0), "
          + "ifnull(note, 0), nullif(qty, 3), CAST(qty AS TEXT) FROM orders", false),
      new Q("SELECT id FROM orders WHERE qty NOT IN (1, 2, NULL) OR qty IN (7, NULL)", false),
      new Q("SELECT id FROM orders WHERE CAST(qty AS TEXT) = '4' AND product LIKE '_pp%'", false),
      new Q("SELECT c.id, count(o.id), sum(o.price) FROM customers c LEFT JOIN orders o ON o.customer = c.id GROUP BY c.id", false),
      new Q("SELECT customer, count(*) FROM orders GROUP BY customer HAVING count(*) > 1 ORDER BY 2 DESC, 1 LIMIT 2", true),
      new Q("SELECT id FROM orders WHERE note", false),
      new Q("SELECT id, qty FROM orders WHERE qty AND NOT price", false),
      new Q("SELECT o.id FROM orders o LEFT JOIN customers c ON o.customer = c.id WHERE c.name IS NULL", false),
      new Q("SELECT DISTINCT product FROM orders ORDER BY product LIMIT 3", true),
      new Q("SELECT product FROM orders UNION SELECT name FROM customers ORDER BY 1 DESC LIMIT 3", true),
      new Q("SELECT qty % 2, count(*) FROM orders GROUP BY qty % 2", false),
      new Q("SELECT customer FROM orders GROUP BY customer ORDER BY count(*) DESC, customer LIMIT 2", true),
      new Q("SELECT customer, sum(qty * price), avg(qty + 1), count(DISTINCT product || note), min(qty) + max(qty) "
          + "FROM orders GROUP BY customer", false),
      new Q("SELECT * FROM orders o JOIN customers c ON o.customer = c.id AND o.qty > c.score", false),
      new Q("SELECT id, product FROM orders WHERE customer = ? AND product = ?", false, "orders.customer", "orders.product"),
      new Q("SELECT count(*) FROM orders WHERE customer = ? AND product = ?", false, "orders.customer", "orders.product"),
      new Q("SELECT s.name, s.total FROM (SELECT c.name, sum(o.qty) AS total FROM customers c JOIN orders o "
          + "ON o.customer = c.id GROUP BY c.name) s WHERE s.total > 3", false),
      new Q("SELECT u.x FROM (SELECT product AS x FROM orders UNION ALL SELECT name FROM customers) u WHERE u.x LIKE 'a%'", false),
      new Q("SELECT id, qty FROM orders WHERE qty IN (2, '3', 4.0) AND product NOT LIKE '%e%'", false),
      new Q("SELECT max(qty), min(price), count(*) FROM orders", false),
      new Q("SELECT id FROM orders WHERE +qty = '4' OR +product = 3", false),
      new Q("SELECT u.x FROM (SELECT qty AS x FROM orders UNION SELECT id * 2 FROM customers) u WHERE u.x = '4'", false),
      new Q("SELECT u.x FROM (SELECT qty AS x FROM orders UNION ALL SELECT name FROM customers) u WHERE u.x = '4'", false),
      new Q("SELECT u.x FROM (SELECT id + 0 AS x FROM customers UNION SELECT qty FROM orders) u WHERE u.x = '4'", false),
      new Q("SELECT u.x FROM (SELECT product AS x FROM orders UNION SELECT id FROM customers) u WHERE u.x = 3", false),
      new Q("SELECT s.n, c.name FROM (SELECT customer, count(*) AS n FROM orders GROUP BY customer) s "
          + "JOIN customers c ON s.n = c.name", false));

  private static Connection db;

  /** A fresh database with random rows; returns each table's rows as SQLite stored them. */
  private static Map<String, List<List<Value>>> load(Random rnd) throws SQLException {
    if (db != null) {
      db.close();
    }
    db = DriverManager.getConnection("jdbc:sqlite::memory:");
    try (Statement s = db.createStatement()) {
      for (String ddl : DDL) {
        s.execute(ddl);
      }
      Object[] customers = {1, 2, 3, 4, 5, 6, null};
      Object[] products = {"apple", "pear", "Apple", 3, null, "kiwi", "apples"};
      Object[] qtys = {-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, null, "4", 2.5};
      Object[] prices = {0.5, 1.25, 1.5, 2, 3.75, null, 10.0};
      Object[] notes = {null, "abc", "Abe", "x%y", 5, 2.5, "a".getBytes(StandardCharsets.UTF_8), "1"};
      int n = rnd.nextInt(25);
      for (int i = 1; i <= n; i++) {
        insert("orders", i, pick(rnd, customers), pick(rnd, products), pick(rnd, qtys), pick(rnd, prices), pick(rnd, notes));
      }
      Object[] names = {"ann", "bob", "5", null, 5, "apple"};
      Object[] regions = {"north", "south", null, 1};
      Object[] scores = {1, 2.5, "3", "high", null, 3};
      for (int i = 1; i <= 5; i++) {
        if (rnd.nextInt(6) > 0) {
          insert("customers", i, pick(rnd, names), pick(rnd, regions), pick(rnd, scores));
        }
      }
      Object[] ks = {1, 1.5, "1", "a", new byte[] {1}, null, 3, 4, "4"};
      int m = rnd.nextInt(8);
      for (int i = 0; i < m; i++) {
        insert("items", pick(rnd, ks), pick(rnd, ks));
      }
    }
    Map<String, List<List<Value>>> tables = new LinkedHashMap<>();
    for (String t : List.of("orders", "customers", "items")) {
      List<List<Value>> rows = new ArrayList<>();
      try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM " + t)) {
        int cols = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          List<Value> row = new ArrayList<>();
          for (int i = 1; i <= cols; i++) {
            row.add(SqliteSql.read(rs, i));
          }
          rows.add(row);
        }
      }
      tables.put(PlanInterpreter.tableKey(DB, t), rows);
    }
    return tables;
  }

  private static Object pick(Random rnd, Object[] from) {
    return from[rnd.nextInt(from.length)];
  }

  private static void insert(String table, Object... values) throws SQLException {
    String qs = String.join(", ", java.util.Collections.nCopies(values.length, "?"));
    try (PreparedStatement ps = db.prepareStatement("INSERT INTO " + table + " VALUES(" + qs + ")")) {
      for (int i = 0; i < values.length; i++) {
        ps.setObject(i + 1, values[i]);
      }
      ps.execute();
    }
  }

  static Catalog catalog() {
    return Catalog.empty()
        .withTable(new TableSchema(DB, "orders", List.of(TableSchema.Column.of("id", "INTEGER"),
            TableSchema.Column.of("customer", "INTEGER"), TableSchema.Column.of("product", "TEXT"),
            TableSchema.Column.of("qty", "INTEGER"), TableSchema.Column.of("price", "REAL"),
            TableSchema.Column.of("note", ""))))
        .withTable(new TableSchema(DB, "customers", List.of(TableSchema.Column.of("id", "INTEGER"),
            TableSchema.Column.of("name", "TEXT"), TableSchema.Column.of("region", "VARCHAR(10)"),
            TableSchema.Column.of("score", "NUMERIC"))))
        .withTable(new TableSchema(DB, "items", List.of(TableSchema.Column.of("k", ""), TableSchema.Column.of("v", ""))));
  }

  /** SQLite's rows for the query, or null when SQLite fails it. */
  private static List<List<Value>> sqlite(String sql, List<Value> params) {
    try (PreparedStatement ps = db.prepareStatement(sql)) {
      for (int i = 0; i < params.size(); i++) {
        Value v = params.get(i);
        if (v instanceof NullValue) {
          ps.setNull(i + 1, java.sql.Types.NULL);
        } else if (v instanceof IntegerValue x) {
          ps.setLong(i + 1, x.value());
        } else if (v instanceof RealValue x) {
          ps.setDouble(i + 1, x.value());
        } else if (v instanceof TextValue x) {
          ps.setString(i + 1, x.value());
        } else {
          ps.setBytes(i + 1, ((BlobValue) v).value());
        }
      }
      List<List<Value>> rows = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        int cols = rs.getMetaData().getColumnCount();
        while (rs.next()) {
          List<Value> row = new ArrayList<>();
          for (int i = 1; i <= cols; i++) {
            row.add(SqliteSql.read(rs, i));
          }
          rows.add(row);
        }
      }
      return rows;
    } catch (SQLException e) {
      return null;
    }
  }

  /** The result column names SQLite gives the query. */
  private static List<String> sqliteNames(String sql) {
    try (PreparedStatement ps = db.prepareStatement(sql)) {
      var md = ps.getMetaData();
      List<String> names = new ArrayList<>();
      for (int i = 1; i <= md.getColumnCount(); i++) {
        names.add(md.getColumnName(i));
      }
      return names;
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** Candidate parameter values: the column's values, one absent value and NULL. */
  private static List<Value> candidates(Map<String, List<List<Value>>> tables, String source) {
    String[] tc = source.split("\\.");
    List<List<Value>> rows = tables.get(PlanInterpreter.tableKey(DB, tc[0]));
    int col = catalog().table(DB, tc[0]).orElseThrow().columnIndex(tc[1]).orElseThrow();
    Set<Value> out = new LinkedHashSet<>();
    for (List<Value> r : rows) {
      out.add(r.get(col));
    }
    out.add(Value.of(999L));
    out.add(Value.of("4"));
    out.add(Value.ofNull());
    return new ArrayList<>(out);
  }

  @Property(tries = 60)
  void everyCatalogueQuery_matchesSqlite(@ForAll long seed) throws Exception {
    Random rnd = new Random(seed);
    Map<String, List<List<Value>>> tables = load(rnd);
    PlanInterpreter interpreter = new PlanInterpreter(tables);
    Catalog catalog = catalog();
    for (Q q : QUERIES) {
      check(q, catalog, interpreter, tables);
    }
  }

  private static void check(Q q, Catalog catalog, PlanInterpreter interpreter, Map<String, List<List<Value>>> tables)
      throws QueryException {
    ViewPlan plan = QueryPlanner.plan(q.sql(), catalog);
    List<List<Value>> paramSets = new ArrayList<>();
    paramSets.add(List.of());
    for (String source : q.paramSources()) {
      List<List<Value>> next = new ArrayList<>();
      for (List<Value> prefix : paramSets) {
        for (Value v : candidates(tables, source)) {
          List<Value> p = new ArrayList<>(prefix);
          p.add(v);
          next.add(p);
        }
      }
      paramSets = next;
    }
    for (List<Value> params : paramSets) {
      List<List<Value>> expected = sqlite(q.sql(), params);
      assertThat(plan.columnNames()).as("column names of %s", q.sql()).isEqualTo(sqliteNames(q.sql()));
      List<List<Value>> actual;
      try {
        actual = interpreter.lookup(plan, params);
      } catch (SqliteEvalException e) {
        actual = null;
      }
      String what = q.sql() + " with " + params + "\nplan " + plan.plan();
      if (expected == null || actual == null) {
        assertThat(actual).as("%s: SQLite %s", what, expected == null ? "fails" : expected).isEqualTo(expected);
        continue;
      }
      if (!q.ordered()) {
        expected = sorted(expected);
        actual = sorted(actual);
      }
      assertThat(same(actual, expected)).as("%s\nSQLite  %s\nwalflow %s", what, expected, actual).isTrue();
    }
  }

  private static List<List<Value>> sorted(List<List<Value>> rows) {
    List<List<Value>> copy = new ArrayList<>(rows);
    copy.sort(PlannerOracleTest::compareExact);
    return copy;
  }

  /** A total order on rows (storage class breaks ties between equal numbers). */
  private static int compareExact(List<Value> a, List<Value> b) {
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      int c = SqliteValues.compare(a.get(i), b.get(i));
      if (c == 0) {
        c = a.get(i).storageClass().compareTo(b.get(i).storageClass());
      }
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  /** Equal rows; reals within 1e-9 relative (SUM and AVG of reals depend on the order of addition). */
  private static boolean same(List<List<Value>> a, List<List<Value>> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      List<Value> x = a.get(i);
      List<Value> y = b.get(i);
      if (x.size() != y.size()) {
        return false;
      }
      for (int j = 0; j < x.size(); j++) {
        Value u = x.get(j);
        Value v = y.get(j);
        if (u instanceof RealValue ru && v instanceof RealValue rv) {
          double d = Math.abs(ru.value() - rv.value());
          if (!(ru.value() == rv.value() || d <= 1e-9 * Math.max(Math.abs(ru.value()), Math.abs(rv.value())))) {
            return false;
          }
        } else if (!u.equals(v)) {
          return false;
        }
      }
    }
    return true;
  }
}
