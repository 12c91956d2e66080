package io.walflow.ingest.capture;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;

/**
 * An application session in its own process: opens the database, commits one row per transaction
 * into {@code c(id INTEGER PRIMARY KEY, v BLOB)}, and closes its connection (the last one of the
 * process, so SQLite tries to checkpoint and delete the WAL as it closes).
 */
public final class ChildSession {
  public static void main(String[] args) throws Exception {
    Path db = Path.of(args[0]);
    int txns = Integer.parseInt(args[1]);
    try (Connection c = SqliteOracle.open(db); PreparedStatement ins = c.prepareStatement("INSERT INTO c(v) VALUES (randomblob(?))")) {
      for (int i = 0; i < txns; i++) {
        ins.setInt(1, 10 + i);
        ins.executeUpdate();
      }
    }
    System.out.println("done " + txns);
  }
}
