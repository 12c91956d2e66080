package io.walflow.ingest.decode;

import org.junit.jupiter.api.Test;

/**
 * Regression found by {@link DecodePropertyTest} (layout 4096/UTF-8/INCREMENTAL/4 reserved bytes,
 * workload seed -3790): {@code ADD COLUMN c8 TEXT DEFAULT 3.0}, {@code DROP COLUMN c8} and
 * {@code ADD COLUMN c9 BLOB DEFAULT 3.0} on a WITHOUT ROWID table in one commit were paired as a
 * rename c8 → c9, carrying c8's text default into rows that never stored it.
 */
class DropThenAddColumnRegressionTest {
  @Test
  void dropThenAddColumnInOneCommit_isNotARename() throws Exception {
    DecodePropertyTest.replay(new DecodePropertyTest.Layout(4096, "UTF-8", "INCREMENTAL", 4), -3790L);
  }
}
