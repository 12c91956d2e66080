package io.walflow.dataflow.eval;

import io.walflow.dataflow.plan.Affinity;
import io.walflow.dataflow.plan.Expr;
import io.walflow.ingest.change.BlobValue;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.RealValue;
import io.walflow.ingest.change.TextValue;
import io.walflow.ingest.change.Value;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.stream.Collectors;

/** Test helper: values and plan expressions as SQLite SQL, and values read back from JDBC. */
public final class SqliteSql {
  private SqliteSql() {}

  /** A SQL literal for {@code v} that SQLite reads back as exactly {@code v}. */
  public static String literal(Value v) {
    if (v instanceof NullValue) {
      return "NULL";
    }
    if (v instanceof IntegerValue i) {
      return "(" + i.value() + ")";
    }
    if (v instanceof RealValue r) {
      double d = r.value();
      if (Double.isInfinite(d)) {
        return d > 0 ? "(9e999)" : "(-9e999)";
      }
      return "(" + Double.toString(d) + ")";
    }
    if (v instanceof TextValue t) {
      return "'" + t.value().replace("'", "''") + "'";
    }
    return "X'" + HexFormat.of().formatHex(((BlobValue) v).value()) + "'";
  }

  /** The SQL type name with the affinity (for CAST and column declarations). */
  public static String typeName(Affinity a) {
    switch (a) {
      case TEXT:
        return "TEXT";
      case INTEGER:
        return "INTEGER";
      case REAL:
        return "REAL";
      case NUMERIC:
        return "NUMERIC";
      case BLOB:
        return "BLOB";
      default:
        throw new IllegalArgumentException("no type name for " + a);
    }
  }

  /** {@code expr} as SQL, columns named {@code c<index>}. */
  public static String sql(Expr expr) {
    if (expr instanceof Expr.Column c) {
      return "c" + c.index();
    }
    if (expr instanceof Expr.Literal l) {
      return literal(l.value());
    }
    if (expr instanceof Expr.Param p) {
      return "?" + (p.index() + 1);
    }
    if (expr instanceof Expr.Cast c) {
      return "CAST(" + sql(c.arg()) + " AS " + typeName(c.affinity()) + ")";
    }
    if (expr instanceof Expr.Case c) {
      StringBuilder sb = new StringBuilder("(CASE");
      c.operand().ifPresent(o -> sb.append(' ').append(sql(o)));
      for (int i = 0; i < c.whens().size(); i++) {
        sb.append(" WHEN ").append(sql(c.whens().get(i))).append(" THEN ").append(sql(c.thens().get(i)));
      }
      c.otherwise().ifPresent(o -> sb.append(" ELSE ").append(sql(o)));
      return sb.append(" END)").toString();
    }
    Expr.Call call = (Expr.Call) expr;
    var a = call.args();
    switch (call.fn()) {
      case EQ: return bin(a, "=");
      case NE: return bin(a, "<>");
      case LT: return bin(a, "<");
      case LE: return bin(a, "<=");
      case GT: return bin(a, ">");
      case GE: return bin(a, ">=");
      case IS: return bin(a, "IS");
      case IS_NOT: return bin(a, "IS NOT");
      case AND: return "(" + a.stream().map(SqliteSql::sql).collect(Collectors.joining(" AND ")) + ")";
      case OR: return "(" + a.stream().map(SqliteSql::sql).collect(Collectors.joining(" OR ")) + ")";
      case NOT: return "(NOT " + sql(a.get(0)) + ")";
      case IS_NULL: return "(" + sql(a.get(0)) + " IS NULL)";
      case IS_NOT_NULL: return "(" + sql(a.get(0)) + " IS NOT NULL)";
      case PLUS: return bin(a, "+");
      case MINUS: return bin(a, "-");
      case TIMES: return bin(a, "*");
      case DIVIDE: return bin(a, "/");
      case MOD: return bin(a, "%");
      case NEGATE: return "(- " + sql(a.get(0)) + ")";
      case CONCAT: return bin(a, "||");
      case LIKE: return bin(a, "LIKE");
      case IN:
      case NOT_IN:
        return "(" + sql(a.get(0)) + (call.fn() == io.walflow.dataflow.plan.Fn.IN ? " IN (" : " NOT IN (")
            + a.subList(1, a.size()).stream().map(SqliteSql::sql).collect(Collectors.joining(", ")) + "))";
      default:
        return call.fn().name().toLowerCase(java.util.Locale.ROOT) + "("
            + a.stream().map(SqliteSql::sql).collect(Collectors.joining(", ")) + ")";
    }
  }

  private static String bin(java.util.List<Expr> a, String op) {
    return "(" + sql(a.get(0)) + " " + op + " " + sql(a.get(1)) + ")";
  }

  /** Column {@code i} (1-based) of the current row, by its storage class. */
  public static Value read(ResultSet rs, int i) throws SQLException {
    Object o = rs.getObject(i);
    if (o == null) {
      return Value.ofNull();
    }
    if (o instanceof Integer n) {
      return Value.of((long) n);
    }
    if (o instanceof Long n) {
      return Value.of(n);
    }
    if (o instanceof Double d) {
      return Value.of(d);
    }
    if (o instanceof Float f) {
      return Value.of((double) f);
    }
    if (o instanceof String s) {
      return Value.of(s);
    }
    if (o instanceof byte[] b) {
      return Value.of(b);
    }
    throw new IllegalStateException("unexpected JDBC value " + o.getClass());
  }

  /** Equality of results: by storage class and content, reals by {@code ==} (0.0 equals -0.0). */
  public static boolean same(Value a, Value b) {
    if (a instanceof RealValue x && b instanceof RealValue y) {
      return x.value() == y.value() || (Double.isNaN(x.value()) && Double.isNaN(y.value()));
    }
    return a.equals(b);
  }
}
