package io.walflow.ingest.capture;

import io.walflow.ingest.image.PageImage;
import java.util.BitSet;

/**
 * Turns one commit's page images into the encoded row changes stored with its log entry.
 * Implementations may keep state across the commits of one database (called in LSN order).
 */
public interface ChangeEncoder {

  /**
   * @param before the database before the commit
   * @param after the database after the commit
   * @param changedPages the pages the commit wrote
   * @return the encoded changes (see docs/change-events.md)
   */
  byte[] encode(long lsn, PageImage before, PageImage after, BitSet changedPages);

  /** Forgets any state (a new snapshot replaced the database). */
  void reset();

  /** Stores no changes. */
  ChangeEncoder NONE = new ChangeEncoder() {
    @Override
    public byte[] encode(long lsn, PageImage before, PageImage after, BitSet changedPages) {
      return new byte[0];
    }

    @Override
    public void reset() {}
  };
}
