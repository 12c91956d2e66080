package io.walflow.views.http;

import java.util.List;
import java.util.Map;

/** What {@code GET /v1/status} reports about capture and the log (supplied by whoever runs capture). */
public interface StatusSource {

  /** One captured database. */
  record DatabaseStatus(String name, String state, long capturedLsn, long durableLsn, long appliedLsn,
      long lastCommitAgeMillis) {}

  List<DatabaseStatus> databases();

  /** Bytes of log files on disk. */
  long logBytes();

  /**
   * A regional replica reading the log from Kafka, as its consumer group shows it.
   *
   * @param partitions partitions of the log's topic the group has committed offsets for
   * @param lagRecords records of the topic between the group's committed offsets and the ends
   */
  record ReplicaStatus(String region, String group, String state, int members, int partitions, long lagRecords) {}

  /** The replicas by region (empty without Kafka). */
  default Map<String, ReplicaStatus> replicas() {
    return Map.of();
  }

  /** No capture (the server runs over an engine fed by someone else). */
  StatusSource NONE = new StatusSource() {
    @Override
    public List<DatabaseStatus> databases() {
      return List.of();
    }

    @Override
    public long logBytes() {
      return 0;
    }
  };
}
