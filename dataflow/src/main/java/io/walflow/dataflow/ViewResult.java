package io.walflow.dataflow;

import io.walflow.ingest.change.Value;
import java.util.List;

/** A view's rows for one key, valid at {@code lsn}. */
public record ViewResult(long lsn, List<String> columns, List<List<Value>> rows) {
  public ViewResult {
    columns = List.copyOf(columns);
    rows = rows.stream().map(List::copyOf).toList();
  }
}
