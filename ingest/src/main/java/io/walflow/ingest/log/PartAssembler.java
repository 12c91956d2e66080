package io.walflow.ingest.log;

import io.walflow.ingest.CorruptEntryException;
import io.walflow.ingest.LogEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reassembles the parts of multi-part commits (docs/log-format.md, section 4), per database, in the
 * order the parts are read. Shared by {@link io.walflow.ingest.LogReader} (Chronicle) and {@link
 * io.walflow.ingest.kafka.KafkaEntryDecoder} (one assembler per Kafka partition).
 *
 * <ul>
 *   <li>A commit of one part, and every snapshot part, is returned as it is.
 *   <li>Commit parts are gathered; the commit is returned at its last part as one {@link
 *       LogEntry.Commit} (pages of every part, changes concatenated in part order, part 0 of 1),
 *       with the position of its first part.
 *   <li>A part 0 (re)starts assembly: a capture cut short wrote the same LSN again.
 *   <li>A part {@code k > 0} without the beginning of its entry (the reader started inside it) is
 *       dropped, never returned as a transaction.
 *   <li>A part {@code k > 0} of the LSN being assembled that does not follow part {@code k - 1} is
 *       a {@link CorruptEntryException}.
 * </ul>
 *
 * @param <P> the position type of the container (a log position, a Kafka offset), named in errors
 */
public final class PartAssembler<P> {
  private final Map<String, Partial<P>> partial = new HashMap<>();

  /** An entry ready for the reader, with the position of its first part. */
  public record Assembled<P>(P position, LogEntry entry) {}

  /**
   * Takes the next entry (part) of the container.
   *
   * @return the entry to deliver now, or empty while a commit is incomplete (or a stray part was
   *     dropped)
   * @throws CorruptEntryException for a part out of sequence
   */
  public Optional<Assembled<P>> accept(P position, LogEntry entry) {
    if (entry instanceof LogEntry.Commit c && c.partCount() > 1) {
      Partial<P> p = partial.get(c.db());
      if (c.partIndex() == 0) {
        p = new Partial<>(position, c);
        partial.put(c.db(), p);
      } else if (p == null || p.first.lsn() != c.lsn()) {
        partial.remove(c.db());
        return Optional.empty();
      } else if (c.partIndex() != p.nextPart || c.partCount() != p.first.partCount()) {
        partial.remove(c.db());
        throw new CorruptEntryException(String.valueOf(position), "commit " + c.db() + " LSN " + c.lsn() + " part "
            + c.partIndex() + " follows part " + (p.nextPart - 1) + " (part counts " + c.partCount() + " and "
            + p.first.partCount() + ")");
      } else {
        p.pages.addAll(c.pages());
        p.changes.add(c.changes());
      }
      p.nextPart = c.partIndex() + 1;
      if (p.nextPart == c.partCount()) {
        partial.remove(c.db());
        return Optional.of(new Assembled<>(p.position, p.assemble()));
      }
      return Optional.empty();
    }
    partial.remove(entry.db());
    return Optional.of(new Assembled<>(position, entry));
  }

  /** The positions of the first parts of the commits being assembled. */
  public List<P> pendingPositions() {
    List<P> out = new ArrayList<>();
    partial.values().forEach(p -> out.add(p.position));
    return out;
  }

  /** Forgets every incomplete commit (after the reader moved). */
  public void clear() {
    partial.clear();
  }

  private static final class Partial<P> {
    final P position;
    final LogEntry.Commit first;
    final List<LogEntry.Page> pages = new ArrayList<>();
    final List<byte[]> changes = new ArrayList<>();
    int nextPart;

    Partial(P position, LogEntry.Commit first) {
      this.position = position;
      this.first = first;
      pages.addAll(first.pages());
      changes.add(first.changes());
    }

    LogEntry.Commit assemble() {
      int total = changes.stream().mapToInt(c -> c.length).sum();
      byte[] all = new byte[total];
      int at = 0;
      for (byte[] c : changes) {
        System.arraycopy(c, 0, all, at, c.length);
        at += c.length;
      }
      return new LogEntry.Commit(first.db(), first.lsn(), first.committedAt(), first.pageSize(),
          first.dbPageCount(), first.frameCount(), first.walPosition(), List.copyOf(pages), all, 0, 1);
    }
  }
}
