package io.walflow.app.bench;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * How long and how often to measure, shared by every suite.
 *
 * @param suites the suites to run, in order
 * @param seconds length of each measured run
 * @param repeats measured runs of each side of a throughput comparison (the median is reported)
 * @param latencyRate commits per second of the paced writer in latency runs
 * @param fsync also measure latency with {@code --durability fsync}
 * @param dir parent of the temporary folder the benchmarks write in
 */
public record BenchSettings(List<String> suites, int seconds, int repeats, int latencyRate, boolean fsync, Path dir) {

  public BenchSettings {
    suites = List.copyOf(suites);
    if (seconds < 1) {
      throw new IllegalArgumentException("--seconds must be >= 1, got " + seconds);
    }
    if (repeats < 1) {
      throw new IllegalArgumentException("--repeats must be >= 1, got " + repeats);
    }
    if (latencyRate < 1 || latencyRate > 100_000) {
      throw new IllegalArgumentException("--rate must be between 1 and 100000 commits/s, got " + latencyRate);
    }
  }

  String summary() {
    return String.format(Locale.ROOT, "suites %s, %d s per run, %d repeats (median), latency at %,d commits/s%s",
        String.join(",", suites), seconds, repeats, latencyRate, fsync ? "" : ", fsync skipped");
  }
}
