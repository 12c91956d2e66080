package io.walflow.ingest.capture;

import java.nio.file.Path;
import java.sql.Connection;

/** An application in its own process: runs a {@link Workload} and prints the transaction count. */
public final class ChildWriter {
  public static void main(String[] args) throws Exception {
    Path db = Path.of(args[0]);
    int txns = Integer.parseInt(args[1]);
    int rows = Integer.parseInt(args[2]);
    Workload.AppCheckpoint cp = Workload.AppCheckpoint.valueOf(args[3]);
    int autocheckpoint = Integer.parseInt(args[4]);
    long seed = Long.parseLong(args[5]);
    try (Connection c = SqliteOracle.open(db)) {
      Workload.prepare(c, 4096, autocheckpoint);
      Workload w = new Workload(seed, rows, cp, 50);
      for (int i = 0; i < txns; i++) {
        w.transaction(c);
      }
    }
    System.out.println("done " + txns);
  }
}
