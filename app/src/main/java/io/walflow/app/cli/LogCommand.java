package io.walflow.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.walflow.ingest.CorruptEntryException;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.LogReader;
import io.walflow.ingest.LogRecord;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code walflow log …}: reading the log. */
@Command(name = "log", mixinStandardHelpOptions = true, description = "Reads the log.",
    subcommands = {LogCommand.Dump.class})
public final class LogCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  /** {@code walflow log dump}: one JSON object per entry, in log order. */
  @Command(name = "dump", mixinStandardHelpOptions = true,
      description = {"Prints one JSON object per log entry, in log order. Works while capture is running.",
          "{\"type\":\"snapshot\"|\"commit\",\"db\":…,\"lsn\":…,\"committedAt\":…,\"frames\":…,\"pages\":…,\"bytes\":…}"})
  public static final class Dump implements Callable<Integer> {
    @Option(names = "--data-dir", defaultValue = "walflow-data", paramLabel = "DIR", description = "The walflow data directory (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--db", paramLabel = "NAME", description = "Only this database.")
    String db;

    @Option(names = "--from-lsn", defaultValue = "0", paramLabel = "N", description = "Only entries with LSN >= N.")
    long fromLsn;

    @Option(names = "--follow", description = "Keep printing new entries as they are appended (until interrupted).")
    boolean follow;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      ObjectMapper json = new ObjectMapper();
      PrintWriter out = spec.commandLine().getOut();
      int errors = 0;
      try (LogReader reader = LogReader.open(dataDir)) {
        reader.toStart();
        SnapshotSummary snap = null;
        while (true) {
          Optional<LogRecord> r;
          try {
            r = reader.next(Optional.ofNullable(db), fromLsn);
          } catch (CorruptEntryException e) {
            spec.commandLine().getErr().println("walflow: " + e.getMessage() + " (skipped)");
            errors++;
            continue;
          }
          if (r.isEmpty()) {
            out.flush();
            if (!follow) {
              break;
            }
            Thread.sleep(20);
            continue;
          }
          LogEntry e = r.get().entry();
          if (e instanceof LogEntry.Snapshot s) {
            if (s.partIndex() == 0) {
              snap = new SnapshotSummary(s);
            }
            if (snap != null && snap.first.lsn() == s.lsn() && snap.first.db().equals(s.db())) {
              snap.add(s);
              if (s.partIndex() == s.partCount() - 1) {
                out.println(json.writeValueAsString(line(json, "snapshot", s, 0, snap.pages, snap.bytes)));
                snap = null;
              }
            }
          } else if (e instanceof LogEntry.Commit c) {
            out.println(json.writeValueAsString(line(json, "commit", c, c.frameCount(), c.pages().size(), c.pageBytes())));
          }
        }
      }
      return errors == 0 ? 0 : 3;
    }

    private static ObjectNode line(ObjectMapper json, String type, LogEntry e, int frames, int pages, long bytes) {
      ObjectNode n = json.createObjectNode();
      n.put("type", type);
      n.put("db", e.db());
      n.put("lsn", e.lsn());
      n.put("committedAt", e.committedAt().toString());
      n.put("frames", frames);
      n.put("pages", pages);
      n.put("bytes", bytes);
      n.put("dbPages", e.dbPageCount());
      n.put("pageSize", e.pageSize());
      return n;
    }

    private static final class SnapshotSummary {
      final LogEntry.Snapshot first;
      int pages;
      long bytes;

      SnapshotSummary(LogEntry.Snapshot first) {
        this.first = first;
      }

      void add(LogEntry.Snapshot s) {
        pages += s.pages().size();
        bytes += s.pageBytes();
      }
    }
  }
}
