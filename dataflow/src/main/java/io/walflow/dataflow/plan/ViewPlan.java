package io.walflow.dataflow.plan;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A compiled query: the plan, and how its rows are read.
 *
 * <p>The query's positional parameters become the view's key: parameter {@code i} is bound by
 * equality to output column {@code keyColumns.get(i)} of {@code plan} (a hidden column when the
 * query does not select it). A lookup with parameter values returns the plan's rows whose key
 * columns equal them — after applying {@code params.get(i)} (the affinity of the column the
 * parameter is compared with) to each value, as SQLite would. Without parameters the key is empty
 * and a lookup returns every row.
 *
 * @param sql the query as given
 * @param db the database the query reads (a view reads one database; its LSNs are the view's)
 * @param plan rows of the view, with key and hidden columns
 * @param keyColumns output columns of {@code plan} bound to the parameters, in parameter order
 * @param params each parameter's affinity, in order
 * @param visibleColumns the output columns of {@code plan} the query selects, in SELECT order
 * @param columnNames their names
 * @param order ORDER BY over {@code plan}'s columns (empty: unordered)
 * @param emptyKeyRow for a query with a scalar aggregate (no GROUP BY): the visible row a key
 *     without input rows reads as (for example {@code COUNT(*)} 0), evaluated with the parameters
 *     ({@link Expr.Param}) and no input columns; empty when such a key reads as no row
 */
public record ViewPlan(String sql, String db, Plan plan, List<Integer> keyColumns, List<Affinity> params,
    List<Integer> visibleColumns, List<String> columnNames, List<SortKey> order,
    Optional<List<Expr>> emptyKeyRow) {

  public ViewPlan {
    Objects.requireNonNull(sql, "sql");
    Objects.requireNonNull(db, "db");
    Objects.requireNonNull(plan, "plan");
    keyColumns = List.copyOf(keyColumns);
    params = List.copyOf(params);
    visibleColumns = List.copyOf(visibleColumns);
    columnNames = List.copyOf(columnNames);
    order = List.copyOf(order);
    emptyKeyRow = emptyKeyRow.map(List::copyOf);
    if (keyColumns.size() != params.size()) {
      throw new IllegalArgumentException("one key column per parameter");
    }
    if (visibleColumns.size() != columnNames.size()) {
      throw new IllegalArgumentException("one name per visible column");
    }
  }
}
