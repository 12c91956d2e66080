package io.walflow.dataflow.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walflow.dataflow.QueryException;
import io.walflow.dataflow.UnsupportedSqlException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Queries a view cannot run are rejected naming the construct and where it is. */
class QueryPlannerErrorsTest {

  private static final Catalog CATALOG = PlannerOracleTest.catalog();

  private static QueryException error(String sql) {
    return error(sql, CATALOG);
  }

  private static QueryException error(String sql, Catalog catalog) {
    try {
      QueryPlanner.plan(sql, catalog);
    } catch (QueryException e) {
      return e;
    }
    throw new AssertionError("planned without error: " + sql);
  }

  private static void unsupported(String sql, String construct, int line, int column) {
    QueryException e = error(sql);
    assertThat(e).isInstanceOf(UnsupportedSqlException.class);
    assertThat(e.getMessage()).contains(construct);
    assertThat(List.of(e.line(), e.column())).as(e.getMessage()).isEqualTo(List.of(line, column));
  }

  @Test
  void windowFunction_isRejectedAtTheCall() {
    unsupported("SELECT id, row_number() OVER (ORDER BY id) FROM orders", "window function", 1, 12);
  }

  @Test
  void subqueryInWhere_isRejected() {
    unsupported("SELECT id FROM orders WHERE customer IN (SELECT id FROM customers)", "subquery", 1, 42);
  }

  @Test
  void correlatedSubquery_isRejected() {
    unsupported("SELECT id,\n  (SELECT name FROM customers c WHERE c.id = o.customer) FROM orders o", "subquery", 2, 3);
  }

  @Test
  void existsSubquery_isRejected() {
    unsupported("SELECT id FROM orders o WHERE EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customer)",
        "subquery", 1, 31);
  }

  @Test
  void parameterOutsideEquality_isRejectedAtTheParameter() {
    unsupported("SELECT id\nFROM orders\nWHERE qty > ?", "parameter", 3, 13);
    unsupported("SELECT id FROM orders WHERE qty = ? OR id = 1", "parameter", 1, 35);
    unsupported("SELECT ?, id FROM orders", "parameter", 1, 8);
    unsupported("SELECT * FROM (SELECT id FROM orders WHERE qty = ?) t", "parameter", 1, 50);
  }

  @Test
  void commonTableExpression_isRejected() {
    unsupported("WITH x AS (SELECT id FROM orders) SELECT id FROM x", "WITH", 1, 1);
  }

  @Test
  void intersectAndExcept_areRejected() {
    unsupported("SELECT id FROM orders INTERSECT SELECT id FROM customers", "INTERSECT", 1, 1);
    unsupported("SELECT id FROM orders EXCEPT SELECT id FROM customers", "EXCEPT", 1, 1);
  }

  @Test
  void rightAndFullJoins_areRejected() {
    unsupported("SELECT * FROM orders o RIGHT JOIN customers c ON o.customer = c.id", "RIGHT JOIN", 1, 30);
    unsupported("SELECT * FROM orders o FULL JOIN customers c ON o.customer = c.id", "FULL JOIN", 1, 29);
  }

  @Test
  void nonEquiJoin_isRejected() {
    unsupported("SELECT * FROM orders o JOIN customers c ON o.customer < c.id", "join without an equality", 1, 24);
    unsupported("SELECT * FROM orders o, customers c", "join without an equality", 1, 23);
  }

  @Test
  void unknownTable_listsTheTables() {
    QueryException e = error("SELECT * FROM ordres");
    assertThat(e.getMessage()).contains("no such table: ordres").contains("customers, items, orders");
    assertThat(List.of(e.line(), e.column())).isEqualTo(List.of(1, 15));
  }

  @Test
  void unknownColumn_listsTheColumns() {
    QueryException e = error("SELECT id, qtty FROM orders");
    assertThat(e.getMessage()).contains("no such column 'qtty'").contains("orders.qty").contains("orders.note");
    assertThat(List.of(e.line(), e.column())).isEqualTo(List.of(1, 12));
    assertThat(error("SELECT x.id FROM orders o").getMessage()).contains("no table or alias named 'x'");
    assertThat(error("SELECT id FROM orders o JOIN customers c ON o.customer = c.id").getMessage())
        .contains("ambiguous column name 'id'");
  }

  @Test
  void twoDatabases_areRejected() {
    Catalog two = CATALOG.withTable(new TableSchema("crm", "leads", List.of(TableSchema.Column.of("id", "INTEGER"))));
    QueryException e = error("SELECT * FROM shop.orders o JOIN crm.leads l ON o.customer = l.id", two);
    assertThat(e).isInstanceOf(UnsupportedSqlException.class);
    assertThat(e.getMessage()).contains("two databases").contains("shop").contains("crm");
    assertThat(List.of(e.line(), e.column())).isEqualTo(List.of(1, 34));
    assertThat(error("SELECT * FROM orders", two).getMessage()).contains("several databases are captured (crm, shop)");
    assertThat(error("SELECT * FROM nope.orders", two).getMessage()).contains("no such database: nope");
  }

  @Test
  void unknownFunctionAndWrongArity_areQueryErrors() {
    QueryException e = error("SELECT foo(id) FROM orders");
    assertThat(e.getMessage()).contains("no such function: foo");
    assertThat(List.of(e.line(), e.column())).isEqualTo(List.of(1, 8));
    assertThat(error("SELECT substr(product) FROM orders").getMessage())
        .contains("wrong number of arguments to function substr()");
    assertThat(error("SELECT count(qty, id) FROM orders").getMessage())
        .contains("wrong number of arguments to function count()");
  }

  @Test
  void otherUnsupportedConstructs_areNamed() {
    unsupported("SELECT id FROM orders LIMIT 3", "LIMIT/OFFSET without ORDER BY", 1, 29);
    unsupported("SELECT id FROM orders WHERE product LIKE 'a%' ESCAPE '!'", "ESCAPE", 1, 29);
    unsupported("SELECT sum(DISTINCT qty) FROM orders", "SUM(DISTINCT", 1, 8);
    unsupported("SELECT * FROM orders JOIN customers USING (id)", "USING", 1, 37);
    unsupported("SELECT * FROM orders NATURAL JOIN customers", "NATURAL JOIN", 1, 22);
    unsupported("SELECT n FROM (SELECT count(*) AS n FROM orders) t", "aggregate without GROUP BY in a subquery", 1, 16);
    unsupported("SELECT 1", "SELECT without FROM", 1, 1);
    unsupported("SELECT customer, qty FROM orders GROUP BY customer", "outside GROUP BY", 1, 18);
  }

  @Test
  void syntaxErrors_givePositions() {
    QueryException e = error("SELECT id FROM orders WHERE");
    assertThat(e.getMessage()).startsWith("cannot parse the query");
    assertThat(e.line()).isEqualTo(1);
    assertThat(error("SELECT id, product FROM orders UNION SELECT id FROM orders").getMessage())
        .contains("same number of result columns");
  }
}
