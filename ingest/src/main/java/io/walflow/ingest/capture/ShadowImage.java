package io.walflow.ingest.capture;

import io.walflow.ingest.image.OverlayImage;
import io.walflow.ingest.image.PageFile;
import io.walflow.ingest.image.PageImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Capture's own copy of a database as of an LSN: a plain database file ({@code images/<db>.db})
 * plus a state file saying which LSN it holds ({@code images/<db>.state}).
 *
 * <p>Commits are applied in memory first ({@link #stage}) and written to the file only once they
 * are durable in the log ({@link #flush}), so the file never runs ahead of the log: after a crash
 * capture replays the log entries after the file's LSN and is exact again. {@link #current()} is
 * the image after the last staged commit, the "before" image for decoding the next one.
 */
final class ShadowImage implements AutoCloseable {
  private final Path stateFile;
  private final PageFile file;
  private long lsn;
  /** Staged commits not yet in the file: LSN to (pages, page count after). */
  private final TreeMap<Long, Staged> staged = new TreeMap<>();
  /** Latest staged image of each page. */
  private final Map<Integer, ByteBuffer> latest = new HashMap<>();
  private int latestPageCount;

  private record Staged(Map<Integer, byte[]> pages, int pageCount) {}

  /** What the state file records. */
  record State(long lsn, int pageSize, int pageCount) {}

  private ShadowImage(Path stateFile, PageFile file, long lsn) {
    this.stateFile = stateFile;
    this.file = file;
    this.lsn = lsn;
    this.latestPageCount = file.pageCount();
  }

  static Path dataFile(Path imagesDir, String db) {
    return imagesDir.resolve(db + ".db");
  }

  static Path stateFile(Path imagesDir, String db) {
    return imagesDir.resolve(db + ".state");
  }

  /** Reads the state file; empty when missing or unreadable (the image must then be rebuilt). */
  static Optional<State> readState(Path imagesDir, String db) {
    Path p = stateFile(imagesDir, db);
    try {
      String[] f = Files.readString(p, StandardCharsets.UTF_8).trim().split(" ");
      if (f.length != 3) {
        return Optional.empty();
      }
      return Optional.of(new State(Long.parseLong(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2])));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Opens an existing image whose state file says {@code state}. */
  static ShadowImage open(Path imagesDir, String db, State state) throws IOException {
    PageFile f = PageFile.open(dataFile(imagesDir, db), state.pageSize(), state.pageCount());
    return new ShadowImage(stateFile(imagesDir, db), f, state.lsn());
  }

  /** Creates an empty image to be filled by a snapshot; its state is "no LSN" until {@link #markFilled}. */
  static ShadowImage create(Path imagesDir, String db, int pageSize) throws IOException {
    Files.createDirectories(imagesDir);
    Files.deleteIfExists(stateFile(imagesDir, db));
    PageFile f = PageFile.open(dataFile(imagesDir, db), pageSize, 0);
    f.setPageCount(0);
    return new ShadowImage(stateFile(imagesDir, db), f, -1);
  }

  long fileLsn() {
    return lsn;
  }

  int pageSize() {
    return file.pageSize();
  }

  PageFile file() {
    return file;
  }

  /** Writes a snapshot page straight to the file (the image is not valid until {@link #markFilled}). */
  void writeSnapshotPage(int pgno, byte[] data) throws IOException {
    file.write(pgno, data);
  }

  /** Declares the file a complete image of {@code pages} pages at {@code atLsn} (after its snapshot is durable). */
  void markFilled(long atLsn, int pages) throws IOException {
    file.setPageCount(pages);
    latestPageCount = pages;
    lsn = atLsn;
    writeState();
  }

  /** Invalidates the image on disk before it is overwritten by a new snapshot. */
  void invalidate() throws IOException {
    staged.clear();
    latest.clear();
    Files.deleteIfExists(stateFile);
    lsn = -1;
  }

  /** The image after the last staged commit. */
  PageImage current() {
    if (latest.isEmpty() && latestPageCount == file.pageCount()) {
      return file;
    }
    return new OverlayImage(file, latest, latestPageCount);
  }

  /** Stages a commit's pages (not yet durable). */
  void stage(long commitLsn, Map<Integer, byte[]> pages, int pageCount) {
    staged.put(commitLsn, new Staged(pages, pageCount));
    pages.forEach((p, d) -> latest.put(p, ByteBuffer.wrap(d)));
    latestPageCount = pageCount;
  }

  /** Distinct pages written by the staged commits (not yet in the file). */
  int stagedPages() {
    return latest.size();
  }

  /** Applies directly (recovery from the log): write pages and advance the file's LSN. */
  void apply(long commitLsn, Map<Integer, byte[]> pages, int pageCount) throws IOException {
    if (!staged.isEmpty()) {
      throw new IllegalStateException("apply with staged commits");
    }
    for (var e : pages.entrySet()) {
      file.write(e.getKey(), e.getValue());
    }
    file.setPageCount(pageCount);
    latestPageCount = pageCount;
    lsn = commitLsn;
  }

  /** Writes every staged commit up to {@code durableLsn} to the file and records the new LSN. */
  void flush(long durableLsn, boolean fsync) throws IOException {
    if (staged.isEmpty() || staged.firstKey() > durableLsn) {
      return;
    }
    var done = staged.headMap(durableLsn, true);
    int pageCount = file.pageCount();
    long last = lsn;
    // Each page once, in its last durable version: commits between two flushes often rewrite the
    // same pages.
    Map<Integer, byte[]> pages = new TreeMap<>();
    for (var e : done.entrySet()) {
      pages.putAll(e.getValue().pages());
      pageCount = e.getValue().pageCount();
      last = e.getKey();
    }
    for (var p : pages.entrySet()) {
      file.write(p.getKey(), p.getValue());
    }
    done.clear();
    file.setPageCount(pageCount);
    if (fsync) {
      file.force();
    }
    lsn = last;
    writeState();
    latest.clear();
    for (Staged s : staged.values()) {
      s.pages().forEach((p, d) -> latest.put(p, ByteBuffer.wrap(d)));
    }
    latestPageCount = staged.isEmpty() ? pageCount : staged.lastEntry().getValue().pageCount();
  }

  void writeState() throws IOException {
    Path tmp = stateFile.resolveSibling(stateFile.getFileName() + ".tmp");
    Files.writeString(tmp, lsn + " " + file.pageSize() + " " + file.pageCount() + "\n", StandardCharsets.UTF_8);
    try {
      Files.move(tmp, stateFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, stateFile, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @Override
  public void close() throws IOException {
    file.close();
  }
}
