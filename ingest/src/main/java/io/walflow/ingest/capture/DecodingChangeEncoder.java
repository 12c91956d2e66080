package io.walflow.ingest.capture;

import io.walflow.ingest.CaptureException;
import io.walflow.ingest.change.ChangeCodec;
import io.walflow.ingest.decode.CommitDecoder;
import io.walflow.ingest.decode.DecodeException;
import io.walflow.ingest.image.PageImage;
import java.util.BitSet;

/**
 * Decodes each commit's row and schema changes from its pages ({@link CommitDecoder}) and stores
 * them in the entry ({@link ChangeCodec}). A commit whose pages cannot be decoded is not
 * published: capture of that database stops with an error naming the LSN and the page.
 */
public final class DecodingChangeEncoder implements ChangeEncoder {
  private final String db;
  private final CommitDecoder decoder;

  public DecodingChangeEncoder(String db) {
    this.db = db;
    this.decoder = new CommitDecoder(db);
  }

  @Override
  public byte[] encode(long lsn, PageImage before, PageImage after, BitSet changedPages) {
    try {
      return ChangeCodec.encode(decoder.decode(before, after, changedPages));
    } catch (DecodeException e) {
      throw new CaptureException(db, "LSN " + lsn + " cannot be decoded into row changes: " + e.getMessage()
          + ". The commit was not published and capture of this database stops, so that no wrong change reaches "
          + "a consumer. The database may be corrupt: check it with `PRAGMA integrity_check`, repair it (for "
          + "example `sqlite3 DB .recover`), then restart capture, which resynchronises with a new snapshot", e);
    }
  }

  @Override
  public void reset() {
    decoder.reset();
  }
}
