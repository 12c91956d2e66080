package io.walflow.bench;

import io.walflow.ingest.wal.WalChecksum;
import java.nio.ByteBuffer;
import java.util.Random;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The WAL frame checksum (SQLite's Fletcher-like chain over the 24-byte frame header prefix and the
 * page), computed for every frame capture reads. One operation = one frame of {@code pageSize}
 * bytes; divide the page size by the time for MB/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class WalChecksumBench {
  @Param({"4096", "65536"})
  int pageSize;

  @Param({"false", "true"})
  boolean bigEndian;

  ByteBuffer frame;

  @Setup
  public void setup() {
    byte[] bytes = new byte[24 + pageSize];
    new Random(42).nextBytes(bytes);
    frame = ByteBuffer.wrap(bytes);
  }

  @Benchmark
  public long frame() {
    long s = WalChecksum.update(WalChecksum.pack(0x1234, 0x5678), frame, 0, 8, bigEndian);
    return WalChecksum.update(s, frame, 24, pageSize, bigEndian);
  }
}
