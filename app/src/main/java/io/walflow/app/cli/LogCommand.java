package io.walflow.app.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.walflow.ingest.change.ChangeCodec;
import io.walflow.ingest.change.ChangeJson;
import io.walflow.ingest.decode.CommitDecoder;
import io.walflow.ingest.image.PageFile;
import java.io.IOException;
import java.nio.file.Files;
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

    @Option(names = "--changes", description = {"Add the decoded row and schema changes (docs/change-events.md) as \"changes\".",
        "A snapshot lists its schema and every row as inserts."})
    boolean changes;

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
              if (snap != null) {
                snap.close();
              }
              snap = new SnapshotSummary(s, changes);
            }
            if (snap != null && snap.first.lsn() == s.lsn() && snap.first.db().equals(s.db())) {
              snap.add(s);
              if (s.partIndex() == s.partCount() - 1) {
                ObjectNode n = line(json, "snapshot", s, 0, snap.pages, snap.bytes);
                if (changes) {
                  n.set("changes", snap.changes());
                }
                out.println(json.writeValueAsString(n));
                snap.close();
                snap = null;
              }
            }
          } else if (e instanceof LogEntry.Commit c) {
            ObjectNode n = line(json, "commit", c, c.frameCount(), c.pages().size(), c.pageBytes());
            if (changes) {
              n.set("changes", c.changes().length == 0 ? json.nullNode()
                  : ChangeJson.toJson(ChangeCodec.decode(c.changes())));
            }
            out.println(json.writeValueAsString(n));
          } else if (e instanceof LogEntry.Digest d) {
            ObjectNode n = line(json, "digest", d, 0, 0, d.body().length);
            io.walflow.ingest.digest.DigestEntry body = io.walflow.ingest.digest.DigestEntry.decode(d.body(), r.get().position().toString());
            n.put("table", body.table());
            n.put("tableIndex", body.tableIndex());
            n.put("tables", body.tableCount());
            n.put("buckets", body.buckets());
            n.put("rows", body.rows());
            n.put("verified", body.verified());
            n.put("schemaFingerprint", Long.toHexString(body.fingerprint()));
            out.println(json.writeValueAsString(n));
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

    /** Sums a snapshot's parts and, for --changes, gathers its pages into a temporary file to decode. */
    private static final class SnapshotSummary implements AutoCloseable {
      final LogEntry.Snapshot first;
      final Path tmp;
      final PageFile image;
      int pages;
      long bytes;

      SnapshotSummary(LogEntry.Snapshot first, boolean keepPages) throws IOException {
        this.first = first;
        this.tmp = keepPages ? Files.createTempFile("walflow-dump-", ".db") : null;
        this.image = keepPages ? PageFile.open(tmp, first.pageSize(), first.dbPageCount()) : null;
      }

      void add(LogEntry.Snapshot s) throws IOException {
        pages += s.pages().size();
        bytes += s.pageBytes();
        if (image != null) {
          for (LogEntry.Page p : s.pages()) {
            image.write(p.pgno(), p.data());
          }
        }
      }

      ArrayNode changes() throws IOException {
        image.setPageCount(first.dbPageCount());
        ArrayNode all = JsonNodeFactory.instance.arrayNode();
        try (CommitDecoder decoder = new CommitDecoder(first.db())) {
          decoder.decodeSnapshot(image, change -> all.add(ChangeJson.toJson(change)));
        }
        return all;
      }

      @Override
      public void close() throws IOException {
        if (image != null) {
          image.close();
          Files.deleteIfExists(tmp);
        }
      }
    }
  }
}
