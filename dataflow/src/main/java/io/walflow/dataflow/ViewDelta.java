package io.walflow.dataflow;

import io.walflow.ingest.change.Value;
import java.util.List;

/**
 * How one transaction changed a view's rows for one key: rows that left the result and rows that
 * entered it (an updated row is one of each). Never empty. Rows are bags: a row listed twice
 * entered or left twice.
 */
public record ViewDelta(long lsn, List<List<Value>> inserted, List<List<Value>> deleted) {
  public ViewDelta {
    inserted = inserted.stream().map(List::copyOf).toList();
    deleted = deleted.stream().map(List::copyOf).toList();
  }
}
