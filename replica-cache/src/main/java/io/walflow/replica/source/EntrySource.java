package io.walflow.replica.source;

import io.walflow.ingest.LogEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * Where a replica reads the log from: the local Chronicle log ({@link LocalLogSource}) or Kafka
 * ({@link KafkaSource}). Per database, entries come in log order. Used by one thread.
 */
public interface EntrySource extends AutoCloseable {

  /**
   * Called once before the first poll. {@code replicaEmpty}: the replica holds nothing yet, so a
   * source with a remembered position (a Kafka group's offsets) must read from the beginning of
   * the log instead, to find every database's snapshot.
   */
  default void begin(boolean replicaEmpty) {}

  /**
   * As {@link #begin(boolean)}, with the replica's store for a source that keeps its own resume
   * position there (the local log); others ignore it.
   */
  default void begin(boolean replicaEmpty, SourcePositions positions) {
    begin(replicaEmpty);
  }

  /**
   * The next entries, waiting up to {@code timeout} for some; empty when none arrived. A source
   * that cannot reach its log retries with back-off and says so in {@link #describe()}.
   */
  List<SourceItem> poll(Duration timeout) throws InterruptedException;

  /**
   * Everything polled so far is applied, except the entries starting at {@code pending} (positions
   * of snapshots still being received): a source that remembers its position (Kafka offsets) may
   * move it up to, but not past, those. The replica's watermark stays the truth: the position is
   * only where reading resumes after a restart.
   */
  void commit(Collection<Object> pending);

  /**
   * Reads again, from the source itself, the entries of {@code db} with LSN {@code fromLsn..toLsn}
   * that come before {@code before} (the position of the entry that revealed them missing), for
   * gap repair; {@code since} is the commit time of the last applied entry. Empty when this source
   * cannot re-read (the default).
   *
   * @throws RuntimeException when the source cannot be read now (the caller tries other repairs)
   */
  default Optional<List<LogEntry>> reread(String db, long fromLsn, long toLsn, Instant since, Object before) {
    return Optional.empty();
  }

  /** One line for the status: what the source is and how it is doing. */
  String describe();

  @Override
  void close();
}
