package io.walflow.ingest.capture;

import io.walflow.ingest.CaptureException;
import io.walflow.ingest.DigestSettings;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.change.ChangeCodec;
import io.walflow.ingest.change.ChangeFormatException;
import io.walflow.ingest.decode.CommitDecoder;
import io.walflow.ingest.decode.DecodeException;
import io.walflow.ingest.digest.DatabaseDigest;
import io.walflow.ingest.digest.DigestEntry;
import io.walflow.ingest.digest.DigestFile;
import io.walflow.ingest.digest.DigestFormatException;
import io.walflow.ingest.image.PageImage;
import io.walflow.ingest.wal.WalPosition;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Capture's divergence digest of one database: follows every commit's decoded changes, says when
 * a digest set is due ({@link DigestSettings}) and builds its entries, and keeps {@code
 * images/<db>.digest} at an LSN that is durable in the log.
 *
 * <p>The digest is built from the database's full image only when there is no other way: after a
 * snapshot that replaces the database (LSN 0, resynchronisation), and at a restart whose saved
 * digest is not at the LSN capture resumes from (a crash between two saves). Otherwise it follows
 * the changes. Called on the tailer's thread only.
 */
final class CaptureDigests {
  private static final Logger LOG = LoggerFactory.getLogger(CaptureDigests.class);

  private final String db;
  private final DigestSettings settings;
  private final Path file;
  private DatabaseDigest digest;
  private long lsn = -1;
  private int commitsSince;
  private long firstUnpublishedNanos;
  /** The digest file's bytes at an LSN not yet known durable; written once it is. */
  private long pendingLsn = -1;
  private byte[] pendingBytes;
  private long savedLsn = -1;
  private long publishedSets;
  private long lastSaveNanos;
  /** The commit at {@link #lsn}: what digest entries repeat in their header. */
  private int pageSize;
  private int dbPages;
  private WalPosition wal = WalPosition.NONE;
  /** The least time between two saves of the digest file while running (it is 8 bytes per bucket). */
  private static final long SAVE_EVERY_NANOS = 2_000_000_000L;

  CaptureDigests(String db, Path imagesDir, DigestSettings settings) {
    this.db = db;
    this.settings = settings;
    this.file = imagesDir.resolve(db + ".digest");
  }

  boolean enabled() {
    return settings.enabled();
  }

  /** Digest sets published since start. */
  long publishedSets() {
    return publishedSets;
  }

  /** Builds the digest of {@code image}, the database at {@code atLsn} (after a replacing snapshot). */
  void rebuild(long atLsn, PageImage image) {
    if (!enabled()) {
      return;
    }
    long t0 = System.nanoTime();
    DatabaseDigest d = new DatabaseDigest(settings.buckets());
    try (CommitDecoder decoder = new CommitDecoder(db)) {
      decoder.decodeSnapshot(image, change -> d.apply(change, null));
    } catch (DecodeException e) {
      throw new CaptureException(db, "the image at LSN " + atLsn + " does not decode into rows for its digest: "
          + e.getMessage(), e);
    }
    digest = d;
    lsn = atLsn;
    commitsSince = 0;
    LOG.info("database '{}': digest of {} tables built from the image at LSN {} in {} ms", db, d.tables().size(), atLsn,
        (System.nanoTime() - t0) / 1_000_000);
  }

  /**
   * After a retention snapshot of {@code image} at {@code atLsn}: when a table's sums are unknown (a
   * column rewrite left it unverified), builds the digest from the image so that it is compared
   * again; otherwise nothing (the digest followed every commit).
   */
  void reverify(long atLsn, PageImage image) {
    if (digest != null && digest.tables().values().stream().anyMatch(t -> !t.verified())) {
      rebuild(atLsn, image);
    }
  }

  /** At a restart at {@code atLsn}: the saved digest when it is at that LSN, else a rebuild from {@code image}. */
  void resume(long atLsn, PageImage image) {
    if (!enabled()) {
      return;
    }
    try {
      Optional<DigestFile.Saved> saved = DigestFile.read(file);
      if (saved.isPresent() && saved.get().lsn() == atLsn && saved.get().digest().buckets() == settings.buckets()) {
        digest = saved.get().digest();
        lsn = atLsn;
        savedLsn = atLsn;
        return;
      }
      LOG.info("database '{}': the saved digest is {}; rebuilding it from the image at LSN {}", db,
          saved.map(s -> "at LSN " + s.lsn() + " with " + s.digest().buckets() + " buckets").orElse("missing"), atLsn);
    } catch (IOException | DigestFormatException e) {
      LOG.warn("database '{}': cannot read the saved digest {} ({}); rebuilding it from the image", db, file, e.getMessage());
    }
    rebuild(atLsn, image);
  }

  /** Follows the commit at {@code commitLsn} whose encoded changes are {@code changes}. */
  void commit(long commitLsn, byte[] changes, int commitPageSize, int commitDbPages, WalPosition end) {
    if (digest == null) {
      return;
    }
    if (changes.length == 0) {
      LOG.warn("database '{}': LSN {} carries no decoded changes; no more digests are published", db, commitLsn);
      digest = null;
      return;
    }
    pageSize = commitPageSize;
    dbPages = commitDbPages;
    wal = end;
    try {
      digest.apply(ChangeCodec.decode(changes), null);
    } catch (ChangeFormatException | IllegalArgumentException e) {
      throw new CaptureException(db, "LSN " + commitLsn + ": its changes do not update the digest: " + e.getMessage(), e);
    }
    lsn = commitLsn;
    if (commitsSince++ == 0) {
      firstUnpublishedNanos = System.nanoTime();
    }
  }

  /**
   * The digest set's entries when one is due (after the commit at {@link #lsn}, whose page size,
   * size and WAL position they repeat), else none.
   */
  List<LogEntry.Digest> due() {
    if (digest == null || commitsSince == 0) {
      return List.of();
    }
    boolean byCount = settings.everyCommits() > 0 && commitsSince >= settings.everyCommits();
    boolean byTime = !settings.every().isZero() && System.nanoTime() - firstUnpublishedNanos >= settings.every().toNanos();
    if (!byCount && !byTime) {
      return List.of();
    }
    commitsSince = 0;
    Instant at = Instant.now();
    List<LogEntry.Digest> out = new ArrayList<>();
    for (DigestEntry e : DigestEntry.of(db, digest)) {
      out.add(new LogEntry.Digest(db, lsn, at, pageSize, dbPages, wal, e.encode()));
    }
    pendingLsn = lsn;
    pendingBytes = DigestFile.encode(lsn, digest);
    publishedSets++;
    return out;
  }

  /**
   * Saves the digest of the last published set once its LSN is durable, or the current one when
   * all of it is; at most every 2 s unless {@code now}.
   */
  void save(long durableLsn, boolean now) throws IOException {
    if (digest == null || (!now && System.nanoTime() - lastSaveNanos < SAVE_EVERY_NANOS)) {
      return;
    }
    lastSaveNanos = System.nanoTime();
    if (durableLsn >= lsn && savedLsn != lsn) {
      DigestFile.write(file, DigestFile.encode(lsn, digest));
      savedLsn = lsn;
      pendingBytes = null;
    } else if (pendingBytes != null && durableLsn >= pendingLsn && savedLsn < pendingLsn) {
      DigestFile.write(file, pendingBytes);
      savedLsn = pendingLsn;
      pendingBytes = null;
    }
  }
}
