package io.walflow.app.cli;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code walflow write-load}: an application stand-in that writes to a SQLite database in WAL mode,
 * for trying capture out and for benchmarks.
 */
@Command(name = "write-load", mixinStandardHelpOptions = true,
    description = "Writes rows to a SQLite database in WAL mode (table items(id INTEGER PRIMARY KEY, k INTEGER, v TEXT)), as an application would.")
public final class WriteLoadCommand implements Callable<Integer> {
  @Option(names = "--db", required = true, paramLabel = "PATH", description = "The database file (created in WAL mode if missing).")
  Path db;

  @Option(names = "--rate", defaultValue = "100", paramLabel = "N", description = "Transactions per second; 0 for as fast as possible (default: ${DEFAULT-VALUE}).")
  int rate;

  @Option(names = "--rows-per-txn", defaultValue = "1", paramLabel = "N", description = "Rows per transaction (default: ${DEFAULT-VALUE}).")
  int rowsPerTxn;

  @Option(names = "--seconds", defaultValue = "0", paramLabel = "S", description = "Stop after this long; 0 runs until interrupted (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--synchronous", defaultValue = "NORMAL", paramLabel = "MODE", description = "PRAGMA synchronous (default: ${DEFAULT-VALUE}).")
  String synchronous;

  @Override
  public Integer call() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      try (Statement st = c.createStatement()) {
        st.execute("PRAGMA journal_mode=WAL");
        st.execute("PRAGMA synchronous=" + synchronous);
        st.execute("PRAGMA busy_timeout=5000");
        st.execute("CREATE TABLE IF NOT EXISTS items(id INTEGER PRIMARY KEY, k INTEGER, v TEXT)");
        st.execute("CREATE INDEX IF NOT EXISTS items_k ON items(k)");
      }
      c.setAutoCommit(false);
      Random rnd = new Random();
      long end = seconds > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds) : Long.MAX_VALUE;
      long interval = rate > 0 ? 1_000_000_000L / rate : 0;
      long next = System.nanoTime();
      long txns = 0;
      try (PreparedStatement ins = c.prepareStatement("INSERT INTO items(k, v) VALUES (?, ?)")) {
        while (System.nanoTime() < end && !Thread.currentThread().isInterrupted()) {
          for (int i = 0; i < rowsPerTxn; i++) {
            ins.setInt(1, rnd.nextInt(1_000_000));
            ins.setString(2, "value-" + rnd.nextLong());
            ins.executeUpdate();
          }
          c.commit();
          txns++;
          if (interval > 0) {
            next += interval;
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
              TimeUnit.NANOSECONDS.sleep(sleep);
            }
          }
        }
      }
      System.out.println("committed " + txns + " transactions");
    }
    return 0;
  }
}
