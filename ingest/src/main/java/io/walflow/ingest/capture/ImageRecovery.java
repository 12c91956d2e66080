package io.walflow.ingest.capture;

import io.walflow.ingest.LogEntry;
import io.walflow.ingest.LogReader;
import io.walflow.ingest.LogRecord;
import io.walflow.ingest.log.ChronicleLog;
import io.walflow.ingest.log.LogTail;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings capture's image of a database up to the last LSN in the log after a restart: the image
 * file is never ahead of the log (see {@link ShadowImage}), so the entries after its LSN are
 * applied; when the image is missing or older than the last snapshot, it is rebuilt from that
 * snapshot and the commits after it.
 */
final class ImageRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(ImageRecovery.class);

  private ImageRecovery() {}

  static Optional<ShadowImage> recover(ChronicleLog log, Path imagesDir, String db, LogTail.Last last) throws IOException {
    long target = last.entry().lsn();
    Optional<ShadowImage.State> state = ShadowImage.readState(imagesDir, db);
    if (state.isPresent() && state.get().lsn() == target) {
      return Optional.of(ShadowImage.open(imagesDir, db, state.get()));
    }
    if (last.snapshotIndex() < 0) {
      return Optional.empty();
    }
    ShadowImage image = null;
    try (LogReader reader = LogReader.over(log)) {
      if (!reader.moveTo(last.snapshotIndex())) {
        return Optional.empty();
      }
      long snapshotLsn = -1;
      Optional<LogRecord> r;
      while ((r = reader.next(Optional.of(db), 0)).isPresent()) {
        LogEntry e = r.get().entry();
        if (snapshotLsn < 0) {
          if (!(e instanceof LogEntry.Snapshot s) || s.partIndex() != 0) {
            continue; // entries before the snapshot in its document
          }
          snapshotLsn = s.lsn();
          if (state.isPresent() && state.get().lsn() >= snapshotLsn && state.get().lsn() < target) {
            image = ShadowImage.open(imagesDir, db, state.get());
            LOG.info("database '{}': bringing capture's image from LSN {} to LSN {} from the log", db, image.fileLsn(), target);
          } else {
            image = ShadowImage.create(imagesDir, db, s.pageSize());
            LOG.info("database '{}': rebuilding capture's image from the snapshot at LSN {}", db, snapshotLsn);
          }
        }
        if (e instanceof LogEntry.Snapshot s) {
          if (s.lsn() > image.fileLsn()) {
            if (s.partIndex() == 0 && image.fileLsn() >= 0) {
              image.invalidate();
            }
            for (LogEntry.Page p : s.pages()) {
              image.writeSnapshotPage(p.pgno(), p.data());
            }
            if (s.partIndex() == s.partCount() - 1) {
              image.markFilled(s.lsn(), s.dbPageCount());
            }
          }
        } else if (e instanceof LogEntry.Commit c) {
          if (c.lsn() <= image.fileLsn()) {
            continue;
          }
          if (c.lsn() != image.fileLsn() + 1) {
            LOG.warn("database '{}': the log has LSN {} after {}; cannot rebuild the image", db, c.lsn(), image.fileLsn());
            image.close();
            return Optional.empty();
          }
          Map<Integer, byte[]> pages = new HashMap<>();
          c.pages().forEach(p -> pages.put(p.pgno(), p.data()));
          image.apply(c.lsn(), pages, c.dbPageCount());
        }
        if (image.fileLsn() == target) {
          image.writeState();
          return Optional.of(image);
        }
      }
    }
    if (image != null) {
      image.close();
    }
    return Optional.empty();
  }
}
