package io.walflow.dataflow;

import io.walflow.dataflow.plan.Affinity;
import java.util.List;

/**
 * A view as clients see it.
 *
 * @param name the view's name
 * @param sql the query
 * @param db the database it reads
 * @param columns the result's column names
 * @param params each positional parameter's affinity (arguments are coerced with it)
 * @param ordered whether rows come in a defined order (the query has ORDER BY)
 * @param watermark the last LSN applied to the view (0 before the first snapshot)
 */
public record ViewInfo(String name, String sql, String db, List<String> columns, List<Affinity> params,
    boolean ordered, long watermark) {
  public ViewInfo {
    columns = List.copyOf(columns);
    params = List.copyOf(params);
  }
}
