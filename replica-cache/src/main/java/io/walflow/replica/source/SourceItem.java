package io.walflow.replica.source;

import io.walflow.ingest.LogEntry;
import java.util.Optional;

/** What a source delivers: a log entry, or an entry it could not read. */
public sealed interface SourceItem {

  /**
   * A complete log entry (a whole commit, or one snapshot part).
   *
   * @param where where it was read, for messages ("topic walflow.log partition 0 offset 12")
   * @param position the source's own position of the entry's first record, handed back to {@link
   *     EntrySource#commit} for entries not yet fully applied
   */
  record Entry(LogEntry entry, String where, Object position) implements SourceItem {}

  /**
   * An entry that could not be read (corrupt, undecodable).
   *
   * @param db the database it belongs to, when known (a Kafka record's key)
   * @param where where it was read
   * @param message what is wrong
   */
  record Failure(Optional<String> db, String where, String message) implements SourceItem {}
}
