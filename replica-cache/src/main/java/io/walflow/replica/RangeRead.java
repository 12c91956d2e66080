package io.walflow.replica;

import io.walflow.ingest.change.Value;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One page of a range scan, exactly as of LSN {@code lsn}: rows in key order (rowid order for
 * rowid tables, primary-key order for WITHOUT ROWID tables), the key of each row ({@code keys[i]}
 * is the key of {@code rows[i]}: the rowid as one integer for a rowid table, the primary-key values
 * in primary-key order for a WITHOUT ROWID table), and the cursor to pass as {@code after} for the
 * next page (empty at the end of the table).
 */
public record RangeRead(long lsn, List<Map<String, Value>> rows, List<List<Value>> keys, Optional<String> next) {
  public RangeRead {
    rows = List.copyOf(rows);
    keys = keys.stream().map(List::copyOf).toList();
    if (keys.size() != rows.size()) {
      throw new IllegalArgumentException("a range read of " + rows.size() + " rows carries " + keys.size() + " keys");
    }
  }
}
