package io.walflow.bench;

import io.walflow.ingest.change.ChangeCodec;
import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.decode.CommitDecoder;
import io.walflow.ingest.image.PageFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Decoding rows: SQLite records from b-tree leaf pages into row changes (the decoder's inner loop),
 * and the log's encoded change sets back into changes (what every consumer does per commit). One
 * operation = one row.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RecordDecodeBench {
  static final int ROWS = 10_000;

  Path dir;
  PageFile image;
  CommitDecoder decoder;
  byte[] encodedChanges;

  @Setup(Level.Trial)
  public void setup() throws Exception {
    dir = Files.createTempDirectory("walflow-jmh-");
    Path db = dir.resolve("bench.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      try (Statement st = c.createStatement()) {
        st.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, n INTEGER, note TEXT)");
      }
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?, ?, ?, ?, ?)")) {
        for (int i = 1; i <= ROWS; i++) {
          ps.setInt(1, i);
          ps.setString(2, "user-" + i);
          ps.setDouble(3, i * 0.25);
          ps.setLong(4, i * 7919L);
          ps.setString(5, i % 3 == 0 ? null : "a short note about row " + i);
          ps.addBatch();
        }
        ps.executeBatch();
      }
      c.commit();
    }
    long pages = Files.size(db) / 4096;
    image = PageFile.open(db, 4096, (int) pages);
    decoder = new CommitDecoder("bench");
    ChangeSet all = decoder.decodeSnapshot(image);
    encodedChanges = ChangeCodec.encode(all);
  }

  /** SQLite records of a table's leaf pages → insert changes with typed values. */
  @Benchmark
  @OperationsPerInvocation(ROWS)
  public void pageRecordsToChanges(Blackhole bh) {
    decoder.decodeSnapshot(image, bh::consume);
  }

  /** The log's encoded changes (docs/change-events.md) → changes. */
  @Benchmark
  @OperationsPerInvocation(ROWS)
  public ChangeSet encodedChangesToChanges() throws Exception {
    return ChangeCodec.decode(encodedChanges);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    decoder.close();
    image.close();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
