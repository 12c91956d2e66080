package io.walflow.replica.source;

import java.util.Optional;

/**
 * Where a source resumes reading after a restart, kept in the replica's store under a name of the
 * source's choosing. Only a hint: the watermarks stay the truth, and anything read again is
 * skipped by LSN, so a source saves a position only once everything before it is applied.
 */
public interface SourcePositions {
  /** The position saved under {@code name}, if any. */
  Optional<byte[]> load(String name);

  /** Saves {@code position} under {@code name} (durable like an applied transaction). */
  void save(String name, byte[] position);
}
