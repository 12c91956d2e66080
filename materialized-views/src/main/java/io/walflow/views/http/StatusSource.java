package io.walflow.views.http;

import java.util.List;

/** What {@code GET /v1/status} reports about capture and the log (supplied by whoever runs capture). */
public interface StatusSource {

  /** One captured database. */
  record DatabaseStatus(String name, String state, long capturedLsn, long durableLsn, long appliedLsn,
      long lastCommitAgeMillis) {}

  List<DatabaseStatus> databases();

  /** Bytes of log files on disk. */
  long logBytes();

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
