package io.walflow.app.bench;

import io.walflow.ingest.DurabilityTracker;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.log.ChronicleLog;
import io.walflow.ingest.log.EntryCodec;
import io.walflow.ingest.log.LogWriter;
import io.walflow.ingest.wal.WalPosition;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * {@code walflow bench --suite log}: walflow's log append against Chronicle Queue's own appender, on
 * the same disk, with the same entries (a typical commit entry: 2 pages of 4 KiB, half random, LZ4,
 * encoded once beforehand). The baseline appends each entry as one document from one thread; walflow
 * hands each to the {@link LogWriter} (its queue, commit window 0, durability tracking, free-space
 * check, listeners) and counts until the writer has appended the last one. Sides alternate (raw,
 * walflow, walflow, raw, …); each runs for {@code --seconds}; the median of {@code --repeats} is
 * reported. The ratio is the share of Chronicle's speed left after walflow's bookkeeping.
 *
 * <p>Run with {@code ./walflow bench --suite log}.
 */
final class LogSuite implements Suite {
  private static final String DB = "bench";

  @Override
  public String name() {
    return "log";
  }

  @Override
  public String description() {
    return "walflow log append (LogWriter) vs Chronicle Queue's raw appender, entries/s of 2-page commit entries";
  }

  @Override
  public List<Row> run(BenchSettings settings, Workspace workspace, Progress progress, Report report) throws Exception {
    byte[] entry = commitEntry();
    List<Double> raw = new ArrayList<>();
    List<Double> walflow = new ArrayList<>();
    for (int i = 0; i < settings.repeats() * 2; i++) {
      boolean walflowSide = i % 4 == 1 || i % 4 == 2; // raw, walflow, walflow, raw, …
      Path dir = workspace.newDir(walflowSide ? "log-walflow" : "log-raw");
      double rate = walflowSide ? walflowAppends(dir, entry, settings.seconds()) : rawAppends(dir, entry, settings.seconds());
      (walflowSide ? walflow : raw).add(rate);
      progress.say("log: %s append: %.0f entries/s of %d bytes", walflowSide ? "walflow" : "raw Chronicle", rate, entry.length);
      workspace.delete(dir);
    }
    return List.of(new Row("log", "log append, 2-page commit entries, walflow LogWriter vs raw Chronicle appender",
        "entries/s", CaptureSuite.median(walflow), OptionalDouble.of(CaptureSuite.median(raw)), new Goal.None(), walflow, raw,
        "entry of " + entry.length + " bytes; " + settings.repeats() + " runs of " + settings.seconds()
            + " s per side, alternating; walflow: submit to LogWriter (window 0, local durability), counted until appended",
        Optional.empty()));
  }

  /** A commit entry as capture writes it: 2 pages of 4 KiB (half random), LZ4, some change bytes. */
  private static byte[] commitEntry() {
    Random random = new Random(7);
    List<LogEntry.Page> pages = new ArrayList<>();
    for (int p = 1; p <= 2; p++) {
      byte[] data = new byte[4096];
      byte[] half = new byte[2048];
      random.nextBytes(half);
      System.arraycopy(half, 0, data, 2048, 2048);
      pages.add(new LogEntry.Page(p, data));
    }
    byte[] changes = new byte[200];
    random.nextBytes(changes);
    return new EntryCodec(true).encode(new LogEntry.Commit(DB, 1, Instant.now(), 4096, 2, 2, WalPosition.NONE, pages,
        changes, 0, 1));
  }

  private static double rawAppends(Path dir, byte[] entry, int seconds) {
    try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(dir).rollCycle(RollCycles.FAST_HOURLY).build()) {
      ExcerptAppender appender = queue.createAppender();
      long start = System.nanoTime();
      long end = start + seconds * 1_000_000_000L;
      long n = 0;
      while (System.nanoTime() < end) {
        try (DocumentContext dc = appender.writingDocument()) {
          dc.wire().bytes().write(entry);
        }
        n++;
      }
      return n / ((System.nanoTime() - start) / 1e9);
    }
  }

  private static double walflowAppends(Path dir, byte[] entry, int seconds) throws Exception {
    try (ChronicleLog log = ChronicleLog.open(dir)) {
      LogWriter writer = new LogWriter(log, new DurabilityTracker(), false, Duration.ZERO, 0, dir, (db, index) -> {});
      writer.start();
      try {
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        long lsn = 0;
        while (System.nanoTime() < end) {
          writer.submit(new LogWriter.Submission(DB, ++lsn, entry, true, false));
        }
        writer.awaitAppended();
        return lsn / ((System.nanoTime() - start) / 1e9);
      } finally {
        writer.close();
      }
    }
  }
}
