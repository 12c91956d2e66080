package io.walflow.bench;

import io.walflow.dataflow.Dataflow;
import io.walflow.dataflow.DataflowConfig;
import io.walflow.dataflow.QueryException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Operator update: one committed transaction through a filter→aggregate graph ({@code SELECT k,
 * COUNT(*), SUM(v) FROM t WHERE v > 0 GROUP BY k}, full state, 10,000 rows in 100 groups): the
 * base-table write (RocksDB), the filter, the grouped aggregate's −old/+new and the reader's
 * update. One operation = one transaction of {@code rowsPerTxn} row updates; the 1-row figure is
 * the per-transaction overhead, 100 rows show the per-row cost.
 *
 * <p>Run: {@code mvn -pl bench -am package -DskipTests && java -jar bench/target/walflow-jmh.jar OperatorUpdateBench}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class OperatorUpdateBench {
  @Param({"1", "100"})
  int rowsPerTxn;

  Path dir;
  Dataflow engine;
  BenchTable table;
  int next;

  @Setup
  public void setup() throws IOException, QueryException {
    dir = Files.createTempDirectory("walflow-operator-bench");
    engine = Dataflow.open(DataflowConfig.defaults(dir).withPartialState(false));
    table = new BenchTable(engine, 10_000, 100);
    engine.createView("karma", "SELECT k, COUNT(*) AS n, SUM(v) AS s FROM t WHERE v > 0 GROUP BY k");
  }

  @Benchmark
  public void transaction() {
    table.commitUpdates(engine, next, rowsPerTxn);
    next = (next + rowsPerTxn) % table.rows();
  }

  @TearDown
  public void tearDown() throws IOException {
    engine.close();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
