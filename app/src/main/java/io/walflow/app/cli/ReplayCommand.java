package io.walflow.app.cli;

import io.walflow.ingest.Replay;
import io.walflow.ingest.progress.ProgressLine;
import io.walflow.replica.replay.ReplicaReplay;
import io.walflow.replica.verify.Report;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code walflow replay}: rebuilds a database file, or a replica's RocksDB, from the log. */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = {"Writes a database as of an LSN, rebuilt from the log alone, as a SQLite file (--to) or as a replica (--to-replica).",
        "The file equals the source database file after a TRUNCATE checkpoint at that commit, byte for byte."})
public final class ReplayCommand implements Callable<Integer> {
  @Option(names = "--data-dir", defaultValue = "walflow-data", paramLabel = "DIR", description = "The walflow data directory (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--db", required = true, paramLabel = "NAME", description = "The database's name in the log.")
  String db;

  // Exactly one target (checked in call(), not by an @ArgGroup, whose options a configuration file could not set).
  @Option(names = "--to", paramLabel = "FILE",
      description = "The database file to write (replaced atomically). One of --to and --to-replica is required.")
  Path to;

  @Option(names = "--to-replica", paramLabel = "DIR",
      description = {"A replica's data directory (walflow replica --data-dir) whose RocksDB is rebuilt, holding this database",
          "only; built beside it and swapped in at the end. Stop the replica first."})
  Path toReplica;

  @Option(names = "--lsn", paramLabel = "N", description = "The LSN to stop at (default: the last in the log).")
  Long lsn;

  @Option(names = "--verify", description = "With --to-replica: compare the rebuilt replica with the database rebuilt from the log at the same LSN; exit 1 on any difference.")
  boolean verify;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    OptionalLong at = lsn == null ? OptionalLong.empty() : OptionalLong.of(lsn);
    if ((to == null) == (toReplica == null)) {
      throw new IllegalArgumentException("give exactly one of --to FILE and --to-replica DIR");
    }
    if (toReplica != null) {
      return toReplica(out, err, at);
    }
    if (verify) {
      throw new IllegalArgumentException("--verify goes with --to-replica (a file written with --to is the log's state by construction)");
    }
    ProgressLine progress = new ProgressLine("replaying '" + db + "', LSN reached", lsn == null ? 0 : lsn, "LSNs", err);
    Replay.Result r = Replay.toFile(dataDir, db, at, to, progress::update);
    progress.finish(r.lsn());
    out.printf("wrote %s: database '%s' at LSN %d (%d pages of %d bytes; snapshot LSN %d + %d commits)%n",
        to, r.db(), r.lsn(), r.pages(), r.pageSize(), r.snapshotLsn(), r.commitsApplied());
    return 0;
  }

  private int toReplica(PrintWriter out, PrintWriter err, OptionalLong at) throws Exception {
    try (DataDirLock lock = DataDirLock.acquire(toReplica, "walflow replay --to-replica")) {
      return rebuildReplica(out, err, at);
    }
  }

  private int rebuildReplica(PrintWriter out, PrintWriter err, OptionalLong at) throws Exception {
    ProgressLine progress = new ProgressLine("rebuilding replica of '" + db + "'", 0, "commits", err);
    ReplicaReplay.Result r = ReplicaReplay.toReplica(dataDir, db, at, toReplica, verify, (reached, first, last) -> {
      progress.total(last - first);
      progress.update(Math.max(0, reached - first));
    });
    progress.finish(r.lsn() - r.snapshotLsn());
    out.printf("rebuilt replica %s: database '%s' at LSN %d (snapshot LSN %d + %d commits, %d rows applied)%n",
        toReplica, r.db(), r.lsn(), r.snapshotLsn(), r.commits(), r.rows());
    if (r.verification().isPresent()) {
      Report v = r.verification().get();
      v.differences().forEach(d -> out.println(d.describe()));
      if (v.equal()) {
        out.printf("verified: equal to the log's rebuild of '%s' at LSN %d (%d tables, %d rows)%n", db, v.lsn(), v.tables(), v.rows());
        return 0;
      }
      out.printf("verify FAILED: %d differences from the log's rebuild of '%s' at LSN %d%n", v.differenceCount(), db, v.lsn());
      return 1;
    }
    return 0;
  }
}
