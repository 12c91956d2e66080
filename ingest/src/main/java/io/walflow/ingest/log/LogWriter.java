package io.walflow.ingest.log;

import io.walflow.ingest.DurabilityTracker;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single thread that appends to the log. Tailers hand it encoded entries; it gathers those
 * that arrive within the commit window (all databases together) into one append, forces the log
 * when durability asks for it, and then marks the entries durable.
 *
 * <p>A window of zero appends whatever is waiting as soon as the first entry arrives, so that the
 * latency added by batching is bounded by the window.
 */
public final class LogWriter implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LogWriter.class);
  /** Entries waiting to be appended before tailers block (back-pressure on capture). */
  private static final int QUEUE_CAPACITY = 65_536;

  /**
   * One encoded part of an entry of one database, ready to append. The entry's LSN is marked
   * durable when its last part has been appended (and forced, when asked).
   */
  public record Submission(String db, long lsn, byte[] part, boolean lastPart, boolean snapshotStart) {}

  /**
   * Reported after each append, for metrics and benchmarks.
   *
   * @param appendNanos how long the append (and force) took
   * @param durableAtNanos {@link System#nanoTime()} when the batch became durable
   * @param windowNanos from the batch's first entry leaving the queue to durable: the commit window
   *     plus the append
   */
  public record Appended(List<Submission> entries, long index, long appendNanos, long durableAtNanos,
      long windowNanos) {}

  private final ChronicleLog log;
  private final DurabilityTracker durability;
  private final boolean fsync;
  private final long windowNanos;
  private final long minFreeBytes;
  private final FileStore store;
  private final BlockingQueue<Submission> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
  /** Put on the queue by {@link #close()} so that the thread notices at once; never appended. */
  private static final Submission WAKE = new Submission("", -1, new byte[0], false, false);
  private final Thread thread;
  private final List<Consumer<Appended>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final java.util.function.BiConsumer<String, Long> onSnapshotAppended;
  private volatile boolean stopping;
  /** Submissions accepted, and appended: {@link #awaitAppended} waits for the second to reach the first. */
  private final java.util.concurrent.atomic.AtomicLong submitted = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong appended = new java.util.concurrent.atomic.AtomicLong();
  private volatile Throwable failure;

  /**
   * @param onSnapshotAppended told the queue index of each appended snapshot start (retention)
   */
  public LogWriter(ChronicleLog log, DurabilityTracker durability, boolean fsync, Duration window,
      long minFreeBytes, Path dataDir, java.util.function.BiConsumer<String, Long> onSnapshotAppended) throws IOException {
    this.log = log;
    this.durability = durability;
    this.fsync = fsync;
    this.windowNanos = window.toNanos();
    this.minFreeBytes = minFreeBytes;
    this.store = Files.getFileStore(dataDir);
    this.onSnapshotAppended = onSnapshotAppended;
    this.thread = new Thread(this::run, "walflow-log-writer");
    this.thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  public void addListener(Consumer<Appended> l) {
    listeners.add(l);
  }

  /**
   * Hands an entry to the writer; blocks while the writer is this far behind.
   *
   * @throws IOException if the writer has failed (for example, the disk is full)
   */
  public void submit(Submission s) throws IOException, InterruptedException {
    while (!queue.offer(s, 100, TimeUnit.MILLISECONDS)) {
      checkFailed();
    }
    submitted.incrementAndGet();
    checkFailed();
  }

  /**
   * Waits until everything submitted so far is appended (for a caller that drives capture step by
   * step and reads the log right after).
   *
   * @throws IOException if the writer has failed
   */
  public void awaitAppended() throws IOException, InterruptedException {
    long target = submitted.get();
    while (appended.get() < target) {
      checkFailed();
      if (Thread.interrupted()) {
        throw new InterruptedException("waiting for the log writer");
      }
      java.util.concurrent.locks.LockSupport.parkNanos(20_000);
    }
    checkFailed();
  }

  private void checkFailed() throws IOException {
    Throwable f = failure;
    if (f != null) {
      throw new IOException("log writer stopped: " + f.getMessage(), f);
    }
  }

  /** The error that stopped the writer, if any. */
  public java.util.Optional<Throwable> failure() {
    return java.util.Optional.ofNullable(failure);
  }

  private void run() {
    List<Submission> batch = new ArrayList<>();
    try {
      while (true) {
        Submission first = queue.poll(50, TimeUnit.MILLISECONDS);
        if (first == null || first == WAKE) {
          if (stopping && queue.isEmpty()) {
            return;
          }
          continue;
        }
        batch.add(first);
        long windowStart = System.nanoTime();
        if (windowNanos > 0) {
          long deadline = System.nanoTime() + windowNanos;
          long left;
          while ((left = deadline - System.nanoTime()) > 0) {
            Submission s = queue.poll(left, TimeUnit.NANOSECONDS);
            if (s == null) {
              break;
            }
            batch.add(s);
            queue.drainTo(batch);
          }
        }
        queue.drainTo(batch);
        batch.removeIf(s -> s == WAKE);
        if (!batch.isEmpty()) {
          appendBatch(batch, windowStart);
        }
        batch.clear();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      failure = t;
      LOG.error("log writer stopped; nothing after the last durable entry was appended: {}", t.getMessage(), t);
      durability.fail(t);
    }
  }

  private void appendBatch(List<Submission> batch, long windowStart) throws IOException {
    long total = 0;
    for (Submission s : batch) {
      total += s.part().length;
    }
    long free = store.getUsableSpace();
    if (free - total < minFreeBytes) {
      throw new DiskFullException(String.format(
          "the log's file system has %,d bytes free; appending %,d bytes would leave less than the %,d bytes "
              + "capture keeps free (--min-free-disk). Entries up to the last durable LSN of each database are "
              + "intact; free space (or lower retention) and restart capture: it resumes without loss",
          free, total, minFreeBytes));
    }
    long t0 = System.nanoTime();
    List<byte[]> doc = new ArrayList<>();
    long docBytes = 0;
    long index = -1;
    for (Submission s : batch) {
      byte[] part = s.part();
      boolean mustStartDocument = s.snapshotStart() || docBytes + part.length > ChronicleLog.MAX_DOCUMENT_BYTES;
      if (mustStartDocument && !doc.isEmpty()) {
        index = log.append(doc);
        doc.clear();
        docBytes = 0;
      }
      doc.add(part);
      docBytes += part.length;
      if (s.snapshotStart()) {
        // A snapshot begins its own document, so that its queue index is where a reader starts.
        index = log.append(doc);
        doc.clear();
        docBytes = 0;
        onSnapshotAppended.accept(s.db(), index);
      }
    }
    if (!doc.isEmpty()) {
      index = log.append(doc);
    }
    if (fsync) {
      log.force();
    }
    long t1 = System.nanoTime();
    // Listeners first, so that what they record is there when a durability future completes.
    if (!listeners.isEmpty()) {
      Appended a = new Appended(List.copyOf(batch), index, t1 - t0, t1, t1 - windowStart);
      listeners.forEach(l -> l.accept(a));
    }
    for (Submission s : batch) {
      if (s.lastPart()) {
        durability.markDurable(s.db(), s.lsn());
      }
    }
    appended.addAndGet(batch.size());
  }

  /** Appends everything already submitted, then stops the thread. */
  @Override
  public void close() throws IOException {
    stopping = true;
    queue.offer(WAKE);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(60));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    checkFailed();
  }
}
