package io.walflow.dataflow;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How a {@link Dataflow} runs. Start from {@link #defaults(Path)} and change what you need.
 *
 * @param dataDir where the base-table store (RocksDB) lives; emptied on open (it is rebuilt from
 *     the log's snapshot)
 * @param workerThreads threads that apply a transaction to independent parts of the graph in
 *     parallel (1: the feeding thread does everything)
 * @param memoryBoundBytes estimated heap bytes partial state may hold before cold keys are evicted;
 *     also the most a new view's full state may take
 * @param partialState whether views keep only the keys that were read (Noria's partial state);
 *     false materializes every key of every view
 */
public record DataflowConfig(Path dataDir, int workerThreads, long memoryBoundBytes, boolean partialState) {

  /** Default bound on partial state: 256 MiB. */
  public static final long DEFAULT_MEMORY_BOUND = 256L << 20;

  public DataflowConfig {
    Objects.requireNonNull(dataDir, "dataDir");
    if (workerThreads < 1) {
      throw new IllegalArgumentException("workerThreads must be at least 1, got " + workerThreads);
    }
    if (memoryBoundBytes < 1) {
      throw new IllegalArgumentException("memoryBoundBytes must be positive, got " + memoryBoundBytes);
    }
  }

  /** One worker thread, a 256 MiB bound, partial state. */
  public static DataflowConfig defaults(Path dataDir) {
    return new DataflowConfig(dataDir, 1, DEFAULT_MEMORY_BOUND, true);
  }

  public DataflowConfig withWorkerThreads(int n) {
    return new DataflowConfig(dataDir, n, memoryBoundBytes, partialState);
  }

  public DataflowConfig withMemoryBound(long bytes) {
    return new DataflowConfig(dataDir, workerThreads, bytes, partialState);
  }

  public DataflowConfig withPartialState(boolean partial) {
    return new DataflowConfig(dataDir, workerThreads, memoryBoundBytes, partial);
  }
}
