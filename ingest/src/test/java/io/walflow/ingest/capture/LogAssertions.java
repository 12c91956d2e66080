package io.walflow.ingest.capture;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.LogEntry;
import io.walflow.ingest.LogReader;
import io.walflow.ingest.LogRecord;
import io.walflow.ingest.Replay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/** Checks on a captured log, with SQLite as the oracle. */
final class LogAssertions {
  private LogAssertions() {}

  /** The entries of {@code db} in log order (snapshot parts included). */
  static List<LogEntry> entries(Path data, String db) throws Exception {
    List<LogEntry> out = new ArrayList<>();
    try (LogReader r = LogReader.open(data)) {
      r.toStart();
      Optional<LogRecord> rec;
      while ((rec = r.next(Optional.of(db), 0)).isPresent()) {
        out.add(rec.get().entry());
      }
    }
    return out;
  }

  /**
   * Invariant 1: LSNs 0..n in order, each once (a retention snapshot may repeat the LSN of the
   * commit it follows; snapshot parts share their LSN).
   */
  static long assertDenseLsns(List<LogEntry> entries) {
    long expected = 0;
    long last = -1;
    for (LogEntry e : entries) {
      if (e instanceof LogEntry.Snapshot s && (s.partIndex() > 0 || s.lsn() == last)) {
        assertThat(s.lsn()).isEqualTo(last);
        continue;
      }
      assertThat(e.lsn()).as("LSN after %d", last).isEqualTo(expected);
      last = e.lsn();
      expected++;
    }
    return last;
  }

  static Path replay(Path data, String db, long lsn, Path out) throws Exception {
    Replay.toFile(data, db, OptionalLong.of(lsn), out, l -> {});
    return out;
  }

  /** A digest of every table's rows as SQLite returns them. */
  static String digest(Map<String, List<String>> contents) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    contents.forEach((t, rows) -> {
      md.update(t.getBytes());
      rows.forEach(r -> md.update(r.getBytes()));
    });
    return HexFormat.of().formatHex(md.digest());
  }

  static void assertSameBytes(Path replayed, Path source) throws Exception {
    byte[] a = Files.readAllBytes(replayed);
    byte[] b = Files.readAllBytes(source);
    assertThat(a.length).as("file length").isEqualTo(b.length);
    assertThat(a).as("replayed file bytes equal the source after TRUNCATE checkpoint").isEqualTo(b);
  }
}
