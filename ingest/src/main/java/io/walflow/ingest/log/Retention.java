package io.walflow.ingest.log;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.text.SimpleDateFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TimeZone;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes log files (Chronicle roll cycles) that no database needs any more: a file may go when
 * every captured database has a complete snapshot in a later file, and the file is older than the
 * retention period. The log alone can therefore always rebuild every database from its last
 * snapshot; readers that fall further behind see a gap in LSNs and must resynchronise.
 */
public final class Retention {
  private static final Logger LOG = LoggerFactory.getLogger(Retention.class);
  private final SingleChronicleQueue queue;
  private final Duration keep;

  public Retention(ChronicleLog log, Duration keep) {
    this.queue = log.queue();
    this.keep = keep;
  }

  /**
   * Deletes what may be deleted.
   *
   * @param snapshotIndexes for every captured database, the queue index where its newest complete
   *     snapshot begins (a database without one blocks all deletion)
   * @return the files deleted
   */
  public List<Path> run(Collection<Long> snapshotIndexes) throws IOException {
    List<Path> deleted = new ArrayList<>();
    if (snapshotIndexes.isEmpty() || snapshotIndexes.stream().anyMatch(i -> i < 0)) {
      return deleted;
    }
    RollCycle rc = queue.rollCycle();
    int keepFrom = snapshotIndexes.stream().mapToInt(rc::toCycle).min().orElseThrow();
    SimpleDateFormat fmt = new SimpleDateFormat(rc.format());
    fmt.setTimeZone(TimeZone.getTimeZone("UTC"));
    long cutoff = System.currentTimeMillis() - keep.toMillis();
    File[] files = queue.file().listFiles((d, n) -> n.endsWith(SingleChronicleQueue.SUFFIX));
    if (files == null) {
      return deleted;
    }
    for (File f : files) {
      String name = f.getName().substring(0, f.getName().length() - SingleChronicleQueue.SUFFIX.length());
      int cycle;
      try {
        cycle = (int) (fmt.parse(name).getTime() / rc.lengthInMillis());
      } catch (ParseException e) {
        continue; // not a cycle file of this roll cycle
      }
      if (cycle < keepFrom && f.lastModified() < cutoff) {
        Files.deleteIfExists(f.toPath());
        deleted.add(f.toPath());
      }
    }
    if (!deleted.isEmpty()) {
      queue.refreshDirectoryListing();
      LOG.info("retention removed {} log file(s) older than every database's last snapshot: {}", deleted.size(), deleted);
    }
    return deleted;
  }
}
