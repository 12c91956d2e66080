package io.walflow.bench;

import io.walflow.dataflow.Dataflow;
import io.walflow.dataflow.DataflowConfig;
import io.walflow.dataflow.QueryException;
import io.walflow.dataflow.ViewResult;
import io.walflow.ingest.change.Value;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * Reader lookup of a partial view ({@code SELECT id, v FROM t WHERE k = ?}, 10,000 rows, 1,000
 * keys of 10 rows): a hit reads the key's rows from the reader; a miss fills the key with an
 * upquery through the base table (RocksDB) first. Misses are forced by a memory bound that holds
 * about 20 keys while the lookups cycle through all 1,000, so every lookup misses (checked at the
 * end of each iteration against the engine's upquery count). One operation = one lookup.
 *
 * <p>Run: {@code mvn -pl bench -am package -DskipTests && java -jar bench/target/walflow-jmh.jar ReaderLookupBench}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ReaderLookupBench {
  private static final int KEYS = 1_000;
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  @Param({"hit", "miss"})
  String outcome;

  Path dir;
  Dataflow engine;
  List<List<Value>> params;
  int next;
  long lookups;
  long upqueriesBefore;

  @Setup
  public void setup() throws Exception {
    dir = Files.createTempDirectory("walflow-reader-bench");
    long bound = outcome.equals("hit") ? DataflowConfig.DEFAULT_MEMORY_BOUND : 20 * keyBytesEstimate();
    engine = Dataflow.open(DataflowConfig.defaults(dir).withMemoryBound(bound));
    new BenchTable(engine, 10_000, KEYS);
    engine.createView("by_k", "SELECT id, v FROM t WHERE k = ?");
    params = java.util.stream.IntStream.range(0, KEYS).mapToObj(k -> List.of(Value.of((long) k))).toList();
    if (outcome.equals("hit")) {
      for (List<Value> p : params) {
        engine.lookup("by_k", p, 0, TIMEOUT);
      }
    }
  }

  /** A rough size of one filled key, to size the bound of the miss case (checked by the upquery count). */
  private static long keyBytesEstimate() {
    return 10 * 200;
  }

  @Setup(Level.Iteration)
  public void count() {
    lookups = 0;
    upqueriesBefore = engine.upqueries();
  }

  @Benchmark
  public ViewResult lookup() throws Exception {
    ViewResult r = engine.lookup("by_k", params.get(next), 0, TIMEOUT);
    next = (next + 1) % KEYS;
    lookups++;
    return r;
  }

  @TearDown(Level.Iteration)
  public void check() {
    long misses = engine.upqueries() - upqueriesBefore;
    if (outcome.equals("miss") && misses < lookups * 0.95) {
      throw new IllegalStateException("the miss case hit: " + misses + " upqueries in " + lookups + " lookups");
    }
    if (outcome.equals("hit") && misses > 0) {
      throw new IllegalStateException("the hit case missed: " + misses + " upqueries in " + lookups + " lookups");
    }
  }

  @TearDown
  public void tearDown() throws IOException {
    engine.close();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
