package io.walflow.dataflow.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.dataflow.plan.Affinity;
import io.walflow.dataflow.plan.Expr;
import io.walflow.dataflow.plan.Fn;
import io.walflow.ingest.change.Value;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.constraints.Size;

/**
 * The evaluator against SQLite itself: random expressions over random values of every storage
 * class, in columns of every affinity, evaluated by {@link ExprEvaluator} and by {@code SELECT} in
 * SQLite, must agree exactly. jqwik prints the seed of every run (and of a failure) in its report.
 */
class SqliteSemanticsPropertyTest {

  /** The test table's columns: one per affinity. */
  static final Affinity[] COLUMNS = {Affinity.INTEGER, Affinity.TEXT, Affinity.REAL, Affinity.NUMERIC, Affinity.BLOB};

  private static Connection db;

  @BeforeContainer
  static void open() throws SQLException {
    db = DriverManager.getConnection("jdbc:sqlite::memory:");
    StringBuilder ddl = new StringBuilder("CREATE TABLE t(");
    for (int i = 0; i < COLUMNS.length; i++) {
      ddl.append(i == 0 ? "" : ", ").append("c").append(i).append(' ')
          .append(COLUMNS[i] == Affinity.BLOB ? "" : SqliteSql.typeName(COLUMNS[i]));
    }
    try (Statement s = db.createStatement()) {
      s.execute(ddl.append(")").toString());
    }
  }

  @AfterContainer
  static void close() throws SQLException {
    db.close();
  }

  @Provide
  Arbitrary<Value> values() {
    return ValueArbitraries.values();
  }

  /** Stores the row in t and reads back what SQLite stored (the columns' affinities applied). */
  private static Value[] store(List<Value> row) throws SQLException {
    try (Statement s = db.createStatement()) {
      s.execute("DELETE FROM t");
      StringBuilder ins = new StringBuilder("INSERT INTO t VALUES(");
      for (int i = 0; i < COLUMNS.length; i++) {
        ins.append(i == 0 ? "" : ", ").append(SqliteSql.literal(row.get(i)));
      }
      s.execute(ins.append(")").toString());
      try (ResultSet rs = s.executeQuery("SELECT c0, c1, c2, c3, c4 FROM t")) {
        rs.next();
        Value[] stored = new Value[COLUMNS.length];
        for (int i = 0; i < stored.length; i++) {
          stored[i] = SqliteSql.read(rs, i + 1);
        }
        return stored;
      }
    }
  }

  private static Optional<Value> sqlite(String sql) {
    try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return Optional.of(SqliteSql.read(rs, 1));
    } catch (SQLException e) {
      return Optional.empty();
    }
  }

  private static Optional<Value> ours(Expr e, Value[] row) {
    try {
      return Optional.of(ExprEvaluator.compile(e).apply(row, new Value[0]));
    } catch (SqliteEvalException ex) {
      return Optional.empty();
    }
  }

  @Property(tries = 3000)
  void applyAffinity_matchesWhatSqliteStores(@ForAll("values") Value v) throws SQLException {
    Value[] stored = store(List.of(v, v, v, v, v));
    for (int i = 0; i < COLUMNS.length; i++) {
      Value expected = stored[i];
      Value actual = SqliteValues.applyAffinity(v, COLUMNS[i]);
      assertThat(SqliteSql.same(actual, expected))
          .as("applyAffinity(%s, %s) = %s, SQLite stores %s", v, COLUMNS[i], actual, expected).isTrue();
    }
  }

  @Property(tries = 2000)
  void compareAndValueKey_matchSqlite(@ForAll("values") Value a, @ForAll("values") Value b) {
    Optional<Value> lt = sqlite("SELECT " + SqliteSql.literal(a) + " < " + SqliteSql.literal(b));
    Optional<Value> distinct = sqlite("SELECT count(DISTINCT x) FROM (SELECT " + SqliteSql.literal(a)
        + " AS x UNION ALL SELECT " + SqliteSql.literal(b) + ") WHERE x IS NOT NULL");
    int c = SqliteValues.compare(a, b);
    if (!(a instanceof io.walflow.ingest.change.NullValue) && !(b instanceof io.walflow.ingest.change.NullValue)) {
      assertThat(lt.orElseThrow()).as("%s < %s", a, b).isEqualTo(SqliteValues.bool(c < 0));
      long groups = ((io.walflow.ingest.change.IntegerValue) distinct.orElseThrow()).value();
      assertThat(ValueKey.of(a).equals(ValueKey.of(b))).as("key(%s) = key(%s)", a, b).isEqualTo(groups == 1);
      if (groups == 1) {
        assertThat(ValueKey.of(a).hashCode()).isEqualTo(ValueKey.of(b).hashCode());
      }
    }
  }

  @Property(tries = 3000)
  void realToText_matchesSqlite(@ForAll("reals") Value r) {
    Value expected = sqlite("SELECT CAST(" + SqliteSql.literal(r) + " AS TEXT)").orElseThrow();
    assertThat(SqliteValues.toText(r)).as("text of %s", r).isEqualTo(((io.walflow.ingest.change.TextValue) expected).value());
  }

  @Provide
  Arbitrary<Value> reals() {
    return ValueArbitraries.reals();
  }

  @Property(tries = 5000)
  void expressions_matchSqlite(@ForAll @Size(5) List<@From("values") Value> row,
      @ForAll @Size(10) List<@From("values") Value> pool, @ForAll long shapeSeed) throws SQLException {
    Value[] stored = store(row);
    Expr e = new ExprGen(new Random(shapeSeed), pool).expr(3);
    String sql = "SELECT " + SqliteSql.sql(e) + " FROM t";
    Optional<Value> expected = sqlite(sql);
    Optional<Value> actual = ours(e, stored);
    assertThat(expected.isPresent() == actual.isPresent()
            && (expected.isEmpty() || SqliteSql.same(actual.get(), expected.get())))
        .as("%s over row %s: SQLite %s, walflow %s", sql, List.of(stored), expected, actual)
        .isTrue();
  }

  /**
   * The same expressions as WHERE conditions: SQLite evaluates AND/OR there by jumping (left to
   * right, stopping once the outcome is known), so an error in a later operand may never be raised.
   */
  @Property(tries = 3000)
  void conditions_matchSqlite(@ForAll @Size(5) List<@From("values") Value> row,
      @ForAll @Size(10) List<@From("values") Value> pool, @ForAll long shapeSeed) throws SQLException {
    Value[] stored = store(row);
    Expr e = new ExprGen(new Random(shapeSeed), pool).expr(3);
    String sql = "SELECT count(*) FROM t WHERE " + SqliteSql.sql(e);
    Optional<Value> expected = sqlite(sql);
    Optional<Value> actual;
    try {
      actual = Optional.of(SqliteValues.bool(ExprEvaluator.compilePredicate(e).test(stored, new Value[0])));
    } catch (SqliteEvalException ex) {
      actual = Optional.empty();
    }
    assertThat(expected.isPresent() == actual.isPresent()
            && (expected.isEmpty() || SqliteSql.same(actual.get(), expected.get())))
        .as("%s over row %s: SQLite %s, walflow %s", sql, List.of(stored), expected, actual)
        .isTrue();
  }

  /** Random expression trees over the test table's columns and a pool of literals. */
  static final class ExprGen {
    private final Random rnd;
    private final List<Value> pool;

    ExprGen(Random rnd, List<Value> pool) {
      this.rnd = rnd;
      this.pool = pool;
    }

    Expr leaf() {
      int k = rnd.nextInt(10);
      if (k < 5) {
        int c = rnd.nextInt(COLUMNS.length);
        return new Expr.Column(c, COLUMNS[c]);
      }
      return new Expr.Literal(pool.get(rnd.nextInt(pool.size())));
    }

    Expr expr(int depth) {
      if (depth == 0 || rnd.nextInt(4) == 0) {
        return leaf();
      }
      int d = depth - 1;
      int k = rnd.nextInt(12);
      if (k == 0) {
        Affinity[] targets = {Affinity.TEXT, Affinity.INTEGER, Affinity.REAL, Affinity.NUMERIC, Affinity.BLOB};
        return new Expr.Cast(expr(d), targets[rnd.nextInt(targets.length)]);
      }
      if (k == 1) {
        int n = 1 + rnd.nextInt(2);
        List<Expr> whens = new ArrayList<>();
        List<Expr> thens = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          whens.add(expr(d));
          thens.add(expr(d));
        }
        return new Expr.Case(rnd.nextBoolean() ? Optional.of(expr(d)) : Optional.empty(), whens, thens,
            rnd.nextBoolean() ? Optional.of(expr(d)) : Optional.empty());
      }
      Fn fn = Fn.values()[rnd.nextInt(Fn.values().length)];
      List<Expr> args = new ArrayList<>();
      int arity;
      switch (fn) {
        case NOT: case IS_NULL: case IS_NOT_NULL: case NEGATE: case ABS: case LOWER: case UPPER: case LENGTH:
        case TYPEOF:
          arity = 1;
          break;
        case SUBSTR:
          arity = 2 + rnd.nextInt(2);
          break;
        case ROUND:
          arity = 1 + rnd.nextInt(2);
          break;
        case IN: case NOT_IN: case COALESCE:
          arity = 2 + rnd.nextInt(3);
          break;
        default:
          arity = 2;
      }
      for (int i = 0; i < arity; i++) {
        args.add(expr(d));
      }
      if ((fn == Fn.AND || fn == Fn.OR) && rnd.nextBoolean()) {
        args.add(expr(d));
      }
      return new Expr.Call(fn, args);
    }
  }
}
