package io.walflow.ingest.log;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.StoreFileListener;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * The local ordered log: a Chronicle Queue in {@code <data-dir>/log}. Each queue document holds one
 * or more encoded entries back to back (a commit window), so a window costs one append.
 *
 * <p>Appends are made by one thread (the {@link LogWriter}); any number of readers may tail the
 * queue, also from other processes. An append survives a process crash once it returns (the queue
 * is memory-mapped); {@link #force()} makes it survive a machine crash.
 */
public final class ChronicleLog implements AutoCloseable {
  /** Chronicle's block (mapping chunk) size; a document may use up to a quarter of it. */
  static final long BLOCK_SIZE = 64L << 20;
  /** Largest document we append: comfortably under Chronicle's blockSize / 4 limit. */
  public static final int MAX_DOCUMENT_BYTES = 12 << 20;

  private final SingleChronicleQueue queue;
  private final Map<Integer, File> cycleFiles = new ConcurrentHashMap<>();
  private ExcerptAppender appender;
  private FileChannel forcedChannel;
  private int forcedCycle = Integer.MIN_VALUE;

  private ChronicleLog(SingleChronicleQueue queue) {
    this.queue = queue;
  }

  /** The log's folder inside a walflow data directory. */
  public static Path logDir(Path dataDir) {
    return dataDir.resolve("log");
  }

  /**
   * Opens (creating if needed) the log of {@code dataDir}.
   *
   * @param rollCycle how often a new queue file is started; the unit retention deletes
   */
  public static ChronicleLog open(Path dataDir, RollCycle rollCycle, boolean readOnly) throws IOException {
    Path dir = logDir(dataDir);
    if (!readOnly) {
      Files.createDirectories(dir);
    } else if (!Files.isDirectory(dir)) {
      throw new IOException("no walflow log in " + dataDir + " (expected the folder " + dir + ")");
    }
    ChronicleLog[] self = new ChronicleLog[1];
    StoreFileListener listener = new StoreFileListener() {
      @Override
      public void onAcquired(int cycle, File file) {
        if (self[0] != null) {
          self[0].cycleFiles.put(cycle, file);
        }
      }

      @Override
      public void onReleased(int cycle, File file) {}
    };
    SingleChronicleQueue q = SingleChronicleQueueBuilder.binary(dir)
        .rollCycle(rollCycle)
        .blockSize(BLOCK_SIZE)
        .readOnly(readOnly)
        .storeFileListener(listener)
        .build();
    ChronicleLog log = new ChronicleLog(q);
    self[0] = log;
    return log;
  }

  public static ChronicleLog open(Path dataDir) throws IOException {
    return open(dataDir, RollCycles.FAST_HOURLY, false);
  }

  public SingleChronicleQueue queue() {
    return queue;
  }

  /**
   * Appends one document made of {@code entries} concatenated; returns its queue index. Must be
   * called from a single thread.
   */
  public long append(List<byte[]> entries) {
    if (appender == null) {
      appender = queue.createAppender();
    }
    try (DocumentContext dc = appender.writingDocument()) {
      Bytes<?> bytes = dc.wire().bytes();
      for (byte[] e : entries) {
        bytes.write(e);
      }
    }
    return appender.lastIndexAppended();
  }

  /** Forces the queue file of the last append to the device (fsync). */
  public void force() throws IOException {
    if (appender == null) {
      return;
    }
    int cycle = appender.cycle();
    if (cycle != forcedCycle || forcedChannel == null) {
      File file = cycleFiles.get(cycle);
      if (file == null) {
        file = cycleFile(cycle);
      }
      if (forcedChannel != null) {
        forcedChannel.close();
      }
      forcedChannel = FileChannel.open(file.toPath(), StandardOpenOption.WRITE);
      forcedCycle = cycle;
    }
    forcedChannel.force(false);
  }

  /** The queue file of roll cycle {@code cycle} (named by the cycle's UTC start time). */
  public File cycleFile(int cycle) {
    RollCycle rc = queue.rollCycle();
    java.text.SimpleDateFormat fmt = new java.text.SimpleDateFormat(rc.format());
    fmt.setTimeZone(java.util.TimeZone.getTimeZone("UTC"));
    return new File(queue.file(), fmt.format(new java.util.Date((long) cycle * rc.lengthInMillis()))
        + SingleChronicleQueue.SUFFIX);
  }

  /** A new tailer positioned at the start. */
  public ExcerptTailer tailer() {
    return queue.createTailer();
  }

  @Override
  public void close() throws IOException {
    if (forcedChannel != null) {
      forcedChannel.close();
    }
    if (appender != null) {
      appender.close();
    }
    queue.close();
  }
}
