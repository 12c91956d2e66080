package io.walflow.dataflow.sql;

import io.walflow.dataflow.QueryException;
import io.walflow.dataflow.UnsupportedSqlException;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.parser.SqlParserPos;

/** Builds the planner's errors with the position of the SQL they are about. */
final class Errors {
  private Errors() {}

  static QueryException at(String message, SqlNode node) {
    SqlParserPos p = node == null ? SqlParserPos.ZERO : node.getParserPosition();
    return new QueryException(message, p.getLineNum(), p.getColumnNum());
  }

  static UnsupportedSqlException unsupported(String construct, SqlNode node) {
    SqlParserPos p = node == null ? SqlParserPos.ZERO : node.getParserPosition();
    return new UnsupportedSqlException("unsupported in a view: " + construct, p.getLineNum(), p.getColumnNum());
  }
}
