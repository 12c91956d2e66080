package io.walflow.app.cli;

import io.walflow.ingest.Replay;
import io.walflow.ingest.progress.ProgressLine;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code walflow replay}: rebuilds a database file from the log. */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = {"Writes a database as of an LSN, rebuilt from the log alone.",
        "The file equals the source database file after a TRUNCATE checkpoint at that commit, byte for byte."})
public final class ReplayCommand implements Callable<Integer> {
  @Option(names = "--data-dir", defaultValue = "walflow-data", paramLabel = "DIR", description = "The walflow data directory (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(names = "--db", required = true, paramLabel = "NAME", description = "The database's name in the log.")
  String db;

  @Option(names = "--to", required = true, paramLabel = "FILE", description = "The database file to write (replaced atomically).")
  Path to;

  @Option(names = "--lsn", paramLabel = "N", description = "The LSN to stop at (default: the last in the log).")
  Long lsn;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    // Progress: LSNs replayed since the snapshot replay starts from, against the target LSN when given.
    ProgressLine progress = new ProgressLine("replay of '" + db + "'" + (lsn == null ? "" : " to LSN " + lsn), -1,
        "commits");
    long[] base = {-1};
    long[] last = {0};
    Replay.Result r = Replay.toFile(dataDir, db, lsn == null ? OptionalLong.empty() : OptionalLong.of(lsn), to, reached -> {
      if (base[0] < 0) {
        base[0] = reached;
        if (lsn != null) {
          progress.total(lsn - reached);
        }
      }
      last[0] = reached - base[0];
      progress.update(last[0]);
    });
    progress.finish(last[0]);
    spec.commandLine().getOut().printf("wrote %s: database '%s' at LSN %d (%d pages of %d bytes; snapshot LSN %d + %d commits)%n",
        to, r.db(), r.lsn(), r.pages(), r.pageSize(), r.snapshotLsn(), r.commitsApplied());
    return 0;
  }
}
