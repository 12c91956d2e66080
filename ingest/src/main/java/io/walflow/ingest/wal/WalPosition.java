package io.walflow.ingest.wal;

/**
 * A point in one WAL generation, just after a commit frame: where the next frame starts and the
 * running checksum at that point. Together with the generation's salts it proves, on a later read,
 * that the frames before it are still the ones we read (their checksum chain must end in the same
 * value).
 *
 * @param salt1 the generation's salt-1
 * @param salt2 the generation's salt-2
 * @param checkpointSeq the generation's checkpoint sequence number (informational)
 * @param offset byte offset of the next frame in the WAL file (32 at the start of a generation)
 * @param checksum running checksum (see {@link WalChecksum#pack}) at {@code offset}
 */
public record WalPosition(int salt1, int salt2, int checkpointSeq, long offset, long checksum) {

  /** The start of the generation described by {@code header}: no frames read yet. */
  public static WalPosition start(WalHeader header) {
    return new WalPosition(header.salt1(), header.salt2(), header.checkpointSeq(), WalHeader.SIZE,
        header.checksum());
  }

  /** True when this position belongs to the generation of {@code header}. */
  public boolean inGeneration(WalHeader header) {
    return salt1 == header.salt1() && salt2 == header.salt2();
  }

  /** Position meaning "no WAL has been seen yet" (an empty or missing WAL file). */
  public static final WalPosition NONE = new WalPosition(0, 0, 0, 0, 0);

  public boolean isNone() {
    return offset == 0;
  }
}
