package io.walflow.bench;

import io.walflow.ingest.LogEntry;
import io.walflow.ingest.log.EntryCodec;
import io.walflow.ingest.wal.WalPosition;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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
 * Log entries: encoding a commit for the log (CRC-32C, LZ4 when it pays) and decoding it back with
 * its checks, as every log reader does. One operation = one commit entry of {@code pages} pages of
 * 4 KiB, half of each page zeros (typical b-tree free space, so LZ4 has work).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EntryDecodeBench {
  @Param({"2", "32"})
  int pages;

  @Param({"true", "false"})
  boolean compress;

  LogEntry.Commit commit;
  EntryCodec codec;
  ByteBuffer encoded;

  @Setup
  public void setup() {
    Random random = new Random(7);
    List<LogEntry.Page> list = new ArrayList<>();
    for (int p = 1; p <= pages; p++) {
      byte[] data = new byte[4096];
      byte[] half = new byte[2048];
      random.nextBytes(half);
      System.arraycopy(half, 0, data, 2048, 2048);
      list.add(new LogEntry.Page(p, data));
    }
    byte[] changes = new byte[200];
    random.nextBytes(changes);
    commit = new LogEntry.Commit("app", 42, Instant.now(), 4096, pages, pages, WalPosition.NONE, list, changes, 0, 1);
    codec = new EntryCodec(compress);
    encoded = ByteBuffer.wrap(codec.encode(commit));
  }

  @Benchmark
  public byte[] encode() {
    return codec.encode(commit);
  }

  @Benchmark
  public LogEntry decode() {
    return EntryCodec.decode(encoded, 0, "bench");
  }
}
