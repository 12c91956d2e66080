package io.walflow.replica;

import io.walflow.ingest.change.Value;
import java.util.Map;
import java.util.Optional;

/**
 * The answer to a point read: the row (every column, in declaration order) or none, as of LSN
 * {@code lsn} of the database or later.
 */
public record PointRead(long lsn, Optional<Map<String, Value>> row) {}
