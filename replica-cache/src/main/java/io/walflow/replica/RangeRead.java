package io.walflow.replica;

import io.walflow.ingest.change.Value;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One page of a range scan, exactly as of LSN {@code lsn}: rows in key order (rowid order for
 * rowid tables, primary-key order for WITHOUT ROWID tables), and the cursor to pass as {@code
 * after} for the next page (empty at the end of the table).
 */
public record RangeRead(long lsn, List<Map<String, Value>> rows, Optional<String> next) {
  public RangeRead {
    rows = List.copyOf(rows);
  }
}
