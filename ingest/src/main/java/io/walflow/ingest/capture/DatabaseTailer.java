package io.walflow.ingest.capture;

import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.CaptureException;
import io.walflow.ingest.DigestSettings;
import io.walflow.ingest.Durability;
import io.walflow.ingest.DurabilityTracker;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.image.OverlayImage;
import io.walflow.ingest.image.PageImage;
import io.walflow.ingest.log.ChronicleLog;
import io.walflow.ingest.log.EntryCodec;
import io.walflow.ingest.log.LogTail;
import io.walflow.ingest.log.LogWriter;
import io.walflow.ingest.log.LogWriter.Submission;
import io.walflow.ingest.wal.WalCommit;
import io.walflow.ingest.wal.WalHeader;
import io.walflow.ingest.wal.WalPosition;
import io.walflow.ingest.wal.WalScanner;
import io.walflow.ingest.progress.ProgressLine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Follows one database: reads each committed transaction from its WAL as soon as it appears,
 * assigns it the next LSN and hands it to the {@link LogWriter}.
 *
 * <p>Start-up: the first capture writes a snapshot (LSN 0). A restart resumes after the last entry
 * of this database in the log, provided the WAL still holds the same frames up to the recorded
 * position (same salts, same checksum chain), or the WAL was checkpointed away with nothing new and
 * the database file equals capture's image. Otherwise continuity cannot be proven: capture says so
 * and writes a new snapshot at the next LSN.
 *
 * <p>See {@link WalPin} for why no frame can be overwritten before it is read while running.
 */
final class DatabaseTailer implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(DatabaseTailer.class);
  /** Page bytes per log entry part; larger snapshots and transactions are split. */
  static final int PART_BYTES = 4 << 20;
  /** Commits read per batch: bounds memory, and how long the image flush and checkpoints wait. */
  private static final int SCAN_BATCH = 512;
  /** After a checkpoint attempt, how long before the next one (the WAL must first be restarted). */
  private static final long CHECKPOINT_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final long WAIT_FOR_FILE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /** How often an idle tailer renews its read transaction (see {@link #poll()}). */
  private static final long PIN_RENEW_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
  /**
   * How often the running tailer writes its durable commits to the image file. Each flush replaces
   * the image's state file (a rename, which can wait for the file system's journal), so flushing
   * after every commit delayed the next one; the image only shortens a restart's replay of the log.
   */
  private static final long IMAGE_FLUSH_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /** Distinct staged pages that make the image flush before its interval (16 MiB of 4 KiB pages). */
  private static final int IMAGE_FLUSH_PAGES = 4096;
  /**
   * Longest hold of SQLite's write lock while capture catches up on a WAL that reached its size
   * bound (see {@link #catchUpWhileWritersWait}), one scan batch more at the most: applications'
   * busy timeouts must be longer (sqlite-jdbc's default is 3 s, Python's 5 s).
   */
  private static final long CATCH_UP_SLICE_NANOS = TimeUnit.SECONDS.toNanos(1);
  /**
   * Entries (or bytes) held back before they are handed to the log writer together, within one
   * scan batch. Handing over each commit alone woke the writer's thread once per commit: 8% of
   * capture's time when it reads a backlog. A scan that finds one commit hands it over at once.
   */
  private static final int HAND_OVER_ENTRIES = 32;
  private static final int HAND_OVER_BYTES = 1 << 20;

  private final String db;
  private final Path path;
  private final Path walPath;
  private final CaptureConfig config;
  private final LogWriter writer;
  /** Entries encoded but not yet handed to {@link #writer}, in log order (see {@link #handOver}). */
  private final List<Submission> handOver = new ArrayList<>();
  private long handOverBytes;
  private final DurabilityTracker durability;
  private final ChronicleLog log;
  private final Optional<LogTail.Last> resume;
  private final Path imagesDir;
  private final EntryCodec codec;
  private final ChangeEncoder changes;
  private final DatabaseStatus status;
  private final CaptureDigests digests;
  private final StallWatch watch;

  private volatile boolean stopping;
  private volatile Throwable failure;
  private final Thread thread;

  private SourceFiles files;
  private WalWatch walWatch;
  private WalPin pin;
  private FileChannel wal;
  private WalHeader header;
  private WalScanner scanner;
  private WalPosition position = WalPosition.NONE;
  private long lsn = -1;
  private ShadowImage shadow;
  private long bytesSinceSnapshot;
  private long lastPinNanos;
  private long nextImageFlushNanos;
  /** When the last poll that read commits ended (see {@link WalWatch}). */
  private long lastReadNanos;
  /** Runs the backfill of capture's checkpoints (see {@link #checkpointWhenDue()}). */
  private final ExecutorService checkpointer;
  /** The backfill running on {@link #checkpointer}, if any. */
  private Future<?> backfill;
  /** A backfill has finished since the last locked checkpoint. */
  private boolean backfilled;
  /** A pin cycle is in progress: a new read transaction is open and the WAL not yet read to its end. */
  private boolean cycling;
  private long nextCheckpointNanos;

  DatabaseTailer(String db, Path path, CaptureConfig config, LogWriter writer, DurabilityTracker durability,
      ChronicleLog log, Optional<LogTail.Last> resume, ChangeEncoder changes, DigestSettings digestSettings) {
    this.db = db;
    this.path = path.toAbsolutePath();
    this.walPath = Path.of(this.path + "-wal");
    this.config = config;
    this.writer = writer;
    this.durability = durability;
    this.log = log;
    this.resume = resume;
    this.imagesDir = config.dataDir().resolve("images");
    this.codec = new EntryCodec(config.compressPages());
    this.changes = changes;
    this.status = new DatabaseStatus(db, this.path);
    this.digests = new CaptureDigests(db, imagesDir, digestSettings);
    this.watch = new StallWatch(db);
    this.thread = new Thread(this, "walflow-capture-" + db);
    this.checkpointer = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "walflow-checkpoint-" + db);
      t.setDaemon(true);
      return t;
    });
  }

  DatabaseStatus status() {
    return status;
  }

  Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  void start() {
    thread.start();
  }

  /** Asks the tailer to read what is committed, hand it over and stop. */
  void stop() {
    stopping = true;
    LockSupport.unpark(thread);
  }

  void join(long millis) throws InterruptedException {
    thread.join(millis);
  }

  @Override
  public void run() {
    MDC.put("db", db);
    try {
      if (!open()) {
        return;
      }
      walWatch = WalWatch.of(db, walPath); // the thread's idle waits only (a stepped capture has none)
      while (!stopping) {
        int n = poll();
        afterPoll();
        long now = System.nanoTime();
        if (n > 0) {
          lastReadNanos = now;
          walWatch.pause();
        } else {
          watchForStall();
          if (now - lastReadNanos < config.pollInterval().toNanos()) {
            LockSupport.parkNanos(config.pollInterval().toNanos());
          } else {
            walWatch.awaitWrite(config.pollInterval());
          }
        }
      }
      while (poll() > 0 || cycling) {
        afterPoll();
      }
      finish();
    } catch (Throwable t) {
      failure = t;
      status.failed(t.getMessage());
      if (t instanceof CaptureException) {
        LOG.error("capture of database '{}' stopped: {}", db, t.getMessage()); // the message says it all
      } else {
        LOG.error("capture of database '{}' stopped: {}", db, t.getMessage(), t);
      }
    } finally {
      closeQuietly();
      MDC.remove("db");
      MDC.remove("lsn");
    }
  }

  // ---------------------------------------------------------------- start-up

  private boolean open() throws IOException, InterruptedException {
    Optional<SourceDatabase.Header> h = SourceDatabase.inspect(db, path);
    boolean told = false;
    while (h.isEmpty()) {
      if (!told) {
        LOG.info("database '{}': waiting for {} to be created", db, path);
        status.state("waiting for the database file");
        told = true;
      }
      if (stopping) {
        return false;
      }
      LockSupport.parkNanos(WAIT_FOR_FILE_NANOS);
      h = SourceDatabase.inspect(db, path);
    }
    files = new SourceFiles(db, path);
    pin = new WalPin(db, path);
    // The read transaction first, then the header and the pages within it: a header read before
    // it could be older than the WAL the snapshot reads (a commit and a checkpoint landing in
    // between grow the file past the page count in that header).
    pin.acquire();
    openWal();
    if (resume.isPresent()) {
      resumeFrom(resume.get());
    } else {
      LOG.info("database '{}': first capture of {}, writing a snapshot as LSN 0", db, path);
      snapshot(0, files.inspect().orElseThrow());
    }
    pin.releasePrevious();
    status.state("capturing");
    return true;
  }

  private void resumeFrom(LogTail.Last last) throws IOException, InterruptedException {
    LogEntry entry = last.entry();
    lsn = entry.lsn();
    MDC.put("lsn", Long.toString(lsn));
    durability.markDurable(db, lsn);
    Optional<ShadowImage> recovered = ImageRecovery.recover(log, imagesDir, db, last);
    if (recovered.isEmpty()) {
      LOG.warn("database '{}': capture's image at LSN {} cannot be rebuilt from the log; writing a new snapshot at LSN {}",
          db, lsn, lsn + 1);
      snapshot(lsn + 1, files.inspect().orElseThrow());
      return;
    }
    shadow = recovered.get();
    WalPosition at = entry.walPosition();
    Optional<WalHeader> now = readHeader();
    if (now.isPresent() && !at.isNone() && at.inGeneration(now.get()) && chainReaches(now.get(), at)) {
      header = now.get();
      scanner = new WalScanner(wal, header, db);
      position = at;
      LOG.info("database '{}': resuming after LSN {} at WAL offset {}", db, lsn, at.offset());
      digests.resume(lsn, shadow.current());
      return;
    }
    if (noCommittedFrames(now) && databaseFileEquals(shadow)) {
      header = now.orElse(null);
      scanner = header == null ? null : new WalScanner(wal, header, db);
      position = header == null ? WalPosition.NONE : WalPosition.start(header);
      LOG.info("database '{}': the WAL was checkpointed while capture was stopped and nothing was written since; "
          + "the database file equals the image at LSN {}, resuming", db, lsn);
      digests.resume(lsn, shadow.current());
      return;
    }
    LOG.warn("database '{}': the WAL was restarted while capture was stopped (commits after LSN {} may have "
        + "been checkpointed away), so continuity cannot be proven; writing a new snapshot at LSN {}. "
        + "Consumers replace their state with it.", db, lsn, lsn + 1);
    snapshot(lsn + 1, files.inspect().orElseThrow());
  }

  private boolean chainReaches(WalHeader h, WalPosition target) throws IOException {
    WalScanner s = new WalScanner(wal, h, db);
    WalPosition p = WalPosition.start(h);
    while (p.offset() < target.offset()) {
      List<WalCommit> cs = s.scan(p, SCAN_BATCH);
      if (cs.isEmpty()) {
        return false;
      }
      for (WalCommit c : cs) {
        p = c.end();
        if (p.offset() >= target.offset()) {
          break;
        }
      }
    }
    return p.offset() == target.offset() && p.checksum() == target.checksum();
  }

  private boolean noCommittedFrames(Optional<WalHeader> h) throws IOException {
    if (h.isEmpty()) {
      return true;
    }
    return new WalScanner(wal, h.get(), db).scan(WalPosition.start(h.get()), 1).isEmpty();
  }

  private boolean databaseFileEquals(ShadowImage image) throws IOException {
    FileChannel f = files.database();
    int pageSize = image.pageSize();
    int pages = image.file().pageCount();
    if (f.size() != (long) pages * pageSize) {
      return false;
    }
    ByteBuffer a = ByteBuffer.allocate(pageSize);
    for (int p = 1; p <= pages; p++) {
      a.clear();
      while (a.hasRemaining() && f.read(a, (long) (p - 1) * pageSize + a.position()) > 0) {
        // read the whole page
      }
      a.flip();
      if (!a.equals(image.file().page(p))) {
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- snapshot

  /**
   * Writes the full image (database file overlaid with every committed WAL frame) as a snapshot
   * at {@code snapLsn}. Called with the pin held.
   */
  private void snapshot(long snapLsn, SourceDatabase.Header dbHeader) throws IOException, InterruptedException {
    status.state("snapshot");
    long t0 = System.nanoTime();
    Optional<WalHeader> h = readHeader();
    header = h.orElse(null);
    scanner = header == null ? null : new WalScanner(wal, header, db);
    position = header == null ? WalPosition.NONE : WalPosition.start(header);
    Map<Integer, byte[]> walPages = new HashMap<>();
    int dbSize = -1;
    if (scanner != null) {
      List<WalCommit> cs;
      while (!(cs = scanner.scan(position, SCAN_BATCH)).isEmpty()) {
        for (WalCommit c : cs) {
          walPages.putAll(c.pages());
          dbSize = c.dbSizePages();
        }
        position = scanner.scannedTo();
      }
      position = scanner.scannedTo();
    }
    int pageSize = header != null ? header.pageSize() : dbHeader.pageSize();
    FileChannel dbFile = files.database();
    if (dbSize < 0) {
      dbSize = dbHeader.inHeaderPageCount().orElse((int) (dbFile.size() / pageSize));
    }
    if (shadow != null) {
      shadow.invalidate();
      shadow.close();
    }
    shadow = ShadowImage.create(imagesDir, db, pageSize);
    changes.reset();
    ByteBuffer buf = ByteBuffer.allocate(pageSize);
    ProgressLine reading = new ProgressLine("snapshot of '" + db + "': reading", dbSize, "pages");
    for (int p = 1; p <= dbSize; p++) {
      reading.update(p - 1);
      byte[] data = walPages.get(p);
      if (data == null) {
        buf.clear();
        long at = (long) (p - 1) * pageSize;
        while (buf.hasRemaining()) {
          int n = dbFile.read(buf, at + buf.position());
          if (n < 0) {
            break; // beyond the file: zeros, as SQLite's pager reads them
          }
        }
        data = buf.array().clone();
      }
      shadow.writeSnapshotPage(p, data);
    }
    reading.finish(dbSize);
    shadow.file().setPageCount(dbSize);
    emitSnapshot(snapLsn, shadow.file(), position);
    durability.awaitDurable(db, snapLsn).join();
    shadow.markFilled(snapLsn, dbSize);
    digests.rebuild(snapLsn, shadow.current());
    lsn = snapLsn;
    MDC.put("lsn", Long.toString(lsn));
    LOG.info("database '{}': snapshot at LSN {}: {} pages of {} bytes in {} ms", db, snapLsn, dbSize, pageSize,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    status.state("capturing");
  }

  /** Hands a snapshot of {@code image} to the writer, in parts. */
  private void emitSnapshot(long snapLsn, PageImage image, WalPosition walAt) throws IOException, InterruptedException {
    int pageSize = image.pageSize();
    int pages = image.pageCount();
    int perPart = Math.max(1, PART_BYTES / pageSize);
    int parts = Math.max(1, (pages + perPart - 1) / perPart);
    if (parts > 0xffff) {
      throw new CaptureException(db, "database of " + pages + " pages needs " + parts + " snapshot parts; at most 65535 are supported");
    }
    Instant at = Instant.now();
    ProgressLine appending = new ProgressLine("snapshot of '" + db + "' at LSN " + snapLsn + ": appending", pages,
        "pages");
    for (int part = 0; part < parts; part++) {
      appending.update((long) part * perPart);
      List<LogEntry.Page> list = new ArrayList<>();
      int from = part * perPart + 1;
      int to = Math.min(pages, from + perPart - 1);
      for (int p = from; p <= to; p++) {
        ByteBuffer b = image.page(p);
        byte[] data = new byte[pageSize];
        b.duplicate().get(data);
        list.add(new LogEntry.Page(p, data));
      }
      LogEntry.Snapshot s = new LogEntry.Snapshot(db, snapLsn, at, pageSize, pages, walAt, list, new byte[0], part, parts);
      byte[] encoded = codec.encode(s);
      status.logBytes(encoded.length);
      handOver(new Submission(db, snapLsn, encoded, part == parts - 1, part == 0));
    }
    flushHandOver();
    appending.finish(pages);
    bytesSinceSnapshot = 0;
  }

  // ---------------------------------------------------------------- tailing

  private void openWal() throws IOException {
    if (wal != null) {
      return;
    }
    try {
      wal = FileChannel.open(walPath, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      wal = null;
    }
  }

  private Optional<WalHeader> readHeader() throws IOException {
    openWal();
    if (wal == null) {
      return Optional.empty();
    }
    return WalScanner.readHeader(wal, db);
  }

  /**
   * Reads the next batch of commits; returns how many.
   *
   * <p>A pin cycle (see {@link WalPin}) begins a new read transaction, reads to the end of the WAL
   * and only then ends the old one. When capture is behind, reaching the end takes several batches;
   * both read transactions stay open meanwhile ({@link #cycling}), so that the flush of the image
   * and the hand-off to the log writer happen between batches without weakening the guarantee.
   */
  private int poll() throws IOException {
    if (!cycling) {
      if (!followGeneration()) {
        return 0;
      }
      long now = System.nanoTime();
      if (!scanner.frameFollows(position) && now - lastPinNanos < PIN_RENEW_NANOS) {
        return 0;
      }
      // Something to read, or an idle renewal of the read transaction: begun fresh while nothing is
      // written, SQLite gives it read mark 0 once everything is checkpointed, so an application's
      // RESTART or TRUNCATE checkpoint, which waits for readers with higher marks, completes within
      // one renewal. Either way a cycle that reads to the end, batch by batch.
      pin.acquire();
      lastPinNanos = now;
      cycling = true;
    }
    int n = readBatch();
    if (n < SCAN_BATCH) {
      pin.releasePrevious();
      cycling = false;
    }
    return n;
  }

  /**
   * Reads the WAL header and, when it starts a new generation, moves to its start: {@link WalPin}
   * guarantees that every frame of the previous generation was read before SQLite could restart
   * the WAL. Must be checked before every scan, since a restart can happen between any two.
   *
   * @return false when there is no WAL (yet)
   */
  private boolean followGeneration() throws IOException {
    Optional<WalHeader> h = readHeader();
    if (h.isEmpty()) {
      return false;
    }
    if (header == null || !position.inGeneration(h.get()) || position.isNone()) {
      header = h.get();
      scanner = new WalScanner(wal, header, db);
      position = WalPosition.start(header);
      status.walRestarted();
    }
    return true;
  }

  /** Reads and hands over every committed transaction after {@link #position}. Pin held by caller. */
  private int readCommits() {
    int total = 0;
    int n;
    while ((n = readBatch()) > 0) {
      total += n;
    }
    return total;
  }

  /** Reads and hands over up to {@link #SCAN_BATCH} committed transactions. Pin held by caller. */
  private int readBatch() {
    try {
      if (!followGeneration()) {
        return 0;
      }
      List<WalCommit> cs = scanner.scan(position, SCAN_BATCH);
      try {
        for (WalCommit c : cs) {
          capture(c);
        }
      } catch (Throwable t) {
        // The commits captured before the failure still reach the log, as they would one by one.
        try {
          flushHandOver();
        } catch (Throwable f) {
          t.addSuppressed(f);
        }
        throw t;
      }
      flushHandOver();
      // Past commit frames that repeat the last commit too (see WalScanner#scannedTo).
      position = scanner.scannedTo();
      return cs.size();
    } catch (IOException e) {
      throw new CaptureException(db, "reading " + walPath + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CaptureException(db, "interrupted while handing a commit to the log writer", e);
    }
  }

  private void capture(WalCommit c) throws IOException, InterruptedException {
    long commitLsn = lsn + 1;
    SortedMap<Integer, byte[]> pages = c.pages();
    PageImage before = shadow.current();
    Map<Integer, ByteBuffer> written = new HashMap<>();
    BitSet changed = new BitSet();
    pages.forEach((p, d) -> {
      written.put(p, ByteBuffer.wrap(d));
      changed.set(p);
    });
    PageImage after = new OverlayImage(before, written, c.dbSizePages());
    byte[] encodedChanges = changes.encode(commitLsn, before, after, changed);
    shadow.stage(commitLsn, pages, c.dbSizePages());
    Instant at = Instant.now();
    List<List<LogEntry.Page>> parts = new ArrayList<>();
    List<LogEntry.Page> part = new ArrayList<>();
    long partBytes = 0;
    for (var e : pages.entrySet()) {
      if (partBytes + header.pageSize() > PART_BYTES && !part.isEmpty()) {
        parts.add(part);
        part = new ArrayList<>();
        partBytes = 0;
      }
      part.add(new LogEntry.Page(e.getKey(), e.getValue()));
      partBytes += header.pageSize();
    }
    parts.add(part);
    if (parts.size() > 0xffff) {
      throw new CaptureException(db, "transaction at LSN " + commitLsn + " has " + pages.size() + " pages: too large for one entry");
    }
    for (int i = 0; i < parts.size(); i++) {
      byte[] ch = i == parts.size() - 1 ? encodedChanges : new byte[0];
      LogEntry.Commit entry = new LogEntry.Commit(db, commitLsn, at, header.pageSize(), c.dbSizePages(), c.frameCount(),
          c.end(), parts.get(i), ch, i, parts.size());
      byte[] encoded = codec.encode(entry);
      bytesSinceSnapshot += encoded.length;
      status.logBytes(encoded.length);
      handOver(new Submission(db, commitLsn, encoded, i == parts.size() - 1, false));
    }
    lsn = commitLsn;
    MDC.put("lsn", Long.toString(lsn));
    position = c.end();
    status.committed(commitLsn, c.frameCount());
    digests.commit(commitLsn, encodedChanges, header.pageSize(), c.dbSizePages(), c.end());
    publishDigests();
  }

  /** Hands the digest set to the writer when one is due (after the last commit, with its LSN). */
  private void publishDigests() throws IOException, InterruptedException {
    for (LogEntry.Digest d : digests.due()) {
      byte[] encoded = codec.encode(d);
      bytesSinceSnapshot += encoded.length;
      status.logBytes(encoded.length);
      handOver(new Submission(db, d.lsn(), encoded, false, false));
    }
  }

  /**
   * Queues an entry for the log writer; it is handed over with the ones before it once {@link
   * #HAND_OVER_ENTRIES} or {@link #HAND_OVER_BYTES} are queued, and at the latest by {@link
   * #flushHandOver} at the end of the scan batch or step that produced it.
   */
  private void handOver(Submission s) throws IOException, InterruptedException {
    handOver.add(s);
    handOverBytes += s.part().length;
    if (handOver.size() >= HAND_OVER_ENTRIES || handOverBytes >= HAND_OVER_BYTES) {
      flushHandOver();
    }
  }

  /** Hands every queued entry to the log writer, in order. */
  private void flushHandOver() throws IOException, InterruptedException {
    for (Submission s : handOver) {
      writer.submit(s);
    }
    handOver.clear();
    handOverBytes = 0;
  }

  /**
   * Between idle polls, now and then: compares capture's position with SQLite's count of committed
   * frames (see {@link StallWatch}). A stall is reported (state, {@code stalls}, an error in the log)
   * and capture resynchronises with a snapshot at the next LSN, read with a fresh scanner; if even
   * that does not reach SQLite's count, the state keeps saying so until capture catches up.
   */
  private void watchForStall() throws IOException, InterruptedException {
    long now = System.nanoTime();
    if (cycling || !watch.due(now)) {
      return;
    }
    boolean wasStalled = watch.stalled();
    StallWatch.Verdict v = watch.check(now, files.walIndex(), header, position);
    status.walFramesBehind(v.framesBehind());
    if (v.newStall().isPresent()) {
      String message = v.newStall().get();
      status.stalled(message);
      LOG.error("{}. Continuity cannot be proven: writing a resynchronisation snapshot at LSN {}; consumers replace "
          + "their state with it", message, lsn + 1);
      pin.acquire();
      snapshot(lsn + 1, files.inspect().orElseThrow());
      pin.releasePrevious();
      lastPinNanos = System.nanoTime();
    } else if (wasStalled && !watch.stalled()) {
      status.caughtUp();
      LOG.info("database '{}': capture has read every committed WAL frame again (LSN {})", db, lsn);
    }
  }

  private void afterPoll() throws IOException, InterruptedException {
    long now = System.nanoTime();
    if (now >= nextImageFlushNanos || shadow.stagedPages() >= IMAGE_FLUSH_PAGES) {
      shadow.flush(durability.durableLsn(db), config.durability() == Durability.FSYNC);
      nextImageFlushNanos = now + IMAGE_FLUSH_NANOS;
    }
    publishDigests();
    flushHandOver();
    digests.save(durability.durableLsn(db), false);
    checkpointWhenDue();
    if (bytesSinceSnapshot >= config.snapshotEveryBytes()) {
      LOG.info("database '{}': {} log bytes since the last snapshot, writing a snapshot at LSN {} for retention",
          db, bytesSinceSnapshot, lsn);
      emitSnapshot(lsn, shadow.current(), position);
      digests.reverify(lsn, shadow.current());
    }
  }

  /**
   * Capture's checkpoint, once the WAL holds {@code checkpointPages} frames, in two steps: the
   * backfill (copying what capture has read to the database file, without locks) on the
   * checkpointer thread, so that reading new commits goes on meanwhile; then, on this thread, the
   * short locked checkpoint of {@link WalPin#checkpoint}, which copies only what was written since.
   */
  private void checkpointWhenDue() throws IOException, InterruptedException {
    collectBackfill();
    if (header == null) {
      return;
    }
    // The file, not capture's position: a capture that is behind reads the bound's worth only
    // once the writer has written several times that.
    boolean atBound = wal.size() >= config.truncateBytes();
    if (atBound && (cycling || backfill != null)) {
      catchUpWhileWritersWait();
      collectBackfill();
    }
    if (backfill != null || System.nanoTime() < nextCheckpointNanos) {
      return;
    }
    if (atBound && !cycling) {
      // Past the bound, no waiting for an unlocked backfill: the locked checkpoint copies the rest
      // while the writer waits, and the WAL restarts now rather than after another bound's worth.
      lockedCheckpoint();
      return;
    }
    long frames = (position.offset() - WalHeader.SIZE) / header.frameSize();
    if (frames < config.checkpointPages()) {
      backfilled = false;
      return;
    }
    if (!backfilled) {
      // Also while capture is behind (cycling): the backfill copies only up to our read marks.
      backfill = checkpointer.submit(pin::backfill);
      return;
    }
    if (!cycling) {
      lockedCheckpoint();
    }
  }

  /** Takes the result of a finished backfill: from now on the locked step has only the rest to copy. */
  private void collectBackfill() {
    if (backfill == null || !backfill.isDone()) {
      return;
    }
    Future<?> done = backfill;
    backfill = null;
    try {
      done.get();
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new CaptureException(db, e.getCause().toString(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CaptureException(db, "interrupted while checkpointing", e);
    }
    backfilled = true;
  }

  /** The second, locked step of a checkpoint (see {@link WalPin#checkpoint}). */
  private void lockedCheckpoint() throws IOException {
    backfilled = false;
    boolean truncate = wal.size() >= config.truncateBytes();
    if (pin.checkpoint(this::readCommits, truncate)) {
      status.checkpointed();
    }
    nextCheckpointNanos = System.nanoTime() + CHECKPOINT_BACKOFF_NANOS;
  }

  /**
   * The WAL file has reached {@code truncateBytes} while capture is behind (or a backfill is still
   * copying). No checkpoint can restart the WAL before capture has read all of it, so a writer that
   * appends faster than capture reads made the WAL grow for as long as it kept its pace (889 MB in
   * 5 s here). Capture takes SQLite's write lock, reads to the end (for at most {@link
   * #CATCH_UP_SLICE_NANOS}) and lets a backfill in flight finish, then lets the application write
   * again; its checkpoint then truncates the WAL. The writer is slowed to capture's pace instead of
   * the WAL growing without bound.
   */
  private void catchUpWhileWritersWait() {
    long until = System.nanoTime() + CATCH_UP_SLICE_NANOS;
    if (pin.whileWritersWait(() -> readToEndBy(until))) {
      status.writersHeld();
    }
  }

  /**
   * Reads batch after batch until the end of the WAL or {@code untilNanos}; at the end, lets a
   * backfill in flight finish and completes the pin cycle. Called with the writers held.
   */
  private void readToEndBy(long untilNanos) {
    while (readBatch() == SCAN_BATCH) {
      if (System.nanoTime() >= untilNanos) {
        return;
      }
    }
    awaitBackfill(untilNanos);
    pin.releasePrevious();
    cycling = false;
  }

  /**
   * Waits, up to {@code untilNanos}, for a backfill in flight: with the writers held it has nothing
   * new to copy, and the WAL can restart as soon as it and the locked step are done.
   */
  private void awaitBackfill(long untilNanos) {
    if (backfill == null) {
      return;
    }
    try {
      backfill.get(Math.max(0, untilNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // not done yet, or failed: collectBackfill reports a failure
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * One deterministic step for a caller that drives capture itself instead of {@link #start()}ing
   * its thread (the simulation): opens on the first call, reads every committed transaction with
   * one pin cycle, writes the retention snapshot when due, waits until the writer has appended all
   * of it and flushes the image. Unlike the thread, it runs no checkpoint and nothing timed, so the
   * entries it produces depend only on what was written to the database.
   *
   * @return how many commits were read
   */
  int step() throws IOException, InterruptedException {
    if (pin == null && !open()) {
      return 0;
    }
    int n = 0;
    if (followGeneration()) {
      pin.acquire();
      n = readCommits();
      pin.releasePrevious();
    }
    if (bytesSinceSnapshot >= config.snapshotEveryBytes()) {
      emitSnapshot(lsn, shadow.current(), position);
      digests.reverify(lsn, shadow.current());
    }
    publishDigests();
    flushHandOver();
    writer.awaitAppended();
    shadow.flush(durability.durableLsn(db), false);
    digests.save(durability.durableLsn(db), true);
    return n;
  }

  /** Drops everything held in memory and the files' handles, as a crash between two {@link #step}s would. */
  void crash() {
    closeQuietly();
  }

  private void finish() throws IOException {
    try {
      durability.awaitDurable(db, lsn).get(30, TimeUnit.SECONDS);
      shadow.flush(lsn, config.durability() == Durability.FSYNC);
      digests.save(lsn, true);
    } catch (Exception e) {
      LOG.warn("database '{}': LSN {} was not confirmed durable before stopping: {}", db, lsn, e.toString());
    }
    status.state("stopped");
  }

  private void closeQuietly() {
    checkpointer.shutdown();
    try {
      // A running backfill uses the checkpointer connection, which closing the pin closes.
      if (!checkpointer.awaitTermination(60, TimeUnit.SECONDS)) {
        LOG.warn("capture of {}: a checkpoint's backfill is still running after 60 s; closing its connection", db);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      // The connections first: closing a channel on the database's files releases SQLite's locks.
      if (pin != null) {
        pin.close();
      }
      if (wal != null) {
        wal.close();
      }
      if (files != null) {
        files.close();
      }
      if (shadow != null) {
        shadow.close();
      }
      if (walWatch != null) {
        walWatch.close();
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("closing capture of {}: {}", db, e.toString());
    }
  }

  long lsn() {
    return lsn;
  }
}
