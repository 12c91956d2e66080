package io.walflow.app.cli;

import io.walflow.replica.client.ReplicaClient;
import io.walflow.replica.verify.Difference;
import io.walflow.replica.verify.Report;
import io.walflow.replica.verify.ReplicaView;
import io.walflow.replica.verify.Verifier;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code walflow verify}: compares a replica with its source database at the same LSN. */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = {"Compares a replica's database with the source SQLite database at the same LSN, row by row,",
        "and prints every missing, extra and different row by table and key.",
        "Exit 0: equal; 1: different (or the replica never held still at one LSN); 2: an error."})
public final class VerifyCommand implements Callable<Integer> {
  @Option(names = "--db", required = true, paramLabel = "PATH", description = "The source SQLite database file.")
  Path db;

  @Option(names = "--replica", required = true, paramLabel = "URL", description = "The replica's HTTP API, e.g. http://127.0.0.1:8480.")
  String replica;

  @Option(names = "--db-name", paramLabel = "NAME", description = "The database's name in the log (default: the file name without its extension).")
  String dbName;

  @Option(names = "--token", paramLabel = "TOKEN", description = "The replica's bearer token (none for a replica started with --open).")
  String token;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = {"The capture node's data directory: the source is rebuilt from its log at exactly the replica's LSN,",
          "so a replica under load can be verified. Without it the live --db file is compared once the replica",
          "has caught up (stop the writer first)."})
  Path dataDir;

  @Option(names = "--timeout", defaultValue = "30s", paramLabel = "DURATION",
      description = "How long to wait for the replica to catch up, or to hold still at one LSN (default: ${DEFAULT-VALUE}).")
  String timeout;

  @Option(names = "--max-differences", defaultValue = "100", paramLabel = "N", description = "Differences to print (all are counted; default: ${DEFAULT-VALUE}).")
  int maxDifferences;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (maxDifferences < 0) {
      throw new IllegalArgumentException("--max-differences must be 0 or more, not " + maxDifferences);
    }
    if (dataDir != null && !Files.isDirectory(dataDir)) {
      throw new IllegalArgumentException("--data-dir " + dataDir + " is not a directory");
    }
    String name = dbName != null ? dbName : defaultName(db);
    Duration wait = Durations.parse(timeout, "--timeout");
    ReplicaView view = ReplicaView.over(new ReplicaClient(replica, Optional.ofNullable(token)));
    Path work = Files.createTempDirectory("walflow-verify");
    Report r;
    try {
      r = Verifier.verify(db, Optional.ofNullable(dataDir), view, name, wait, work, maxDifferences);
    } catch (IllegalStateException e) {
      spec.commandLine().getErr().println("walflow: " + e.getMessage());
      return 1;
    } finally {
      Files.deleteIfExists(work);
    }
    for (Difference d : r.differences()) {
      out.println(d.describe());
    }
    if (r.differenceCount() > r.differences().size()) {
      out.printf("… and %d more differences%n", r.differenceCount() - r.differences().size());
    }
    String against = r.sourceLsn() >= 0 ? "the log's rebuild of " + db.getFileName() + " at LSN " + r.sourceLsn()
        : "the live file " + db;
    if (!r.consistent()) {
      out.printf("database '%s': the replica did not hold still at one LSN within %s (last LSN %d); nothing verified%n",
          name, timeout, r.lsn());
      return 1;
    }
    if (r.equal()) {
      out.printf("database '%s': replica equals %s at LSN %d (%d tables, %d rows)%n", name, against, r.lsn(), r.tables(), r.rows());
      return 0;
    }
    out.printf("database '%s': replica at LSN %d differs from %s: %d differences (%d tables, %d rows compared)%n",
        name, r.lsn(), against, r.differenceCount(), r.tables(), r.rows());
    return 1;
  }

  private static String defaultName(Path file) {
    String f = file.getFileName().toString();
    int dot = f.lastIndexOf('.');
    return dot > 0 ? f.substring(0, dot) : f;
  }
}
