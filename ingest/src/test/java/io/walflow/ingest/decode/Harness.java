package io.walflow.ingest.decode;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.change.ChangeSet;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.BitSet;

/**
 * Runs transactions on a real database and checks, after every commit, that the decoded changes
 * bring the {@link Model} to exactly SQLite's contents (test fixture).
 */
final class Harness implements AutoCloseable {
  final TestDb db;
  final CommitDecoder decoder = new CommitDecoder("test");
  final Model model = new Model();
  private ByteImage last;
  int commits;
  /** Also decode each commit with a fresh decoder and require the same result. */
  boolean crossCheckFresh = true;
  ChangeSet lastChanges;

  Harness(TestDb db) {
    this.db = db;
  }

  Harness(Path dir) throws SQLException {
    this(new TestDb(dir));
  }

  /** Runs {@code sql} as one transaction, then decodes and checks the commit. */
  ChangeSet commit(String... sql) throws SQLException {
    db.conn.setAutoCommit(false);
    try {
      db.exec(sql);
      db.conn.commit();
    } finally {
      db.conn.setAutoCommit(true);
    }
    return check("after " + String.join("; ", sql).substring(0, Math.min(200, String.join("; ", sql).length())));
  }

  /** Runs {@code sql} outside a transaction (VACUUM), then decodes and checks. */
  ChangeSet autocommit(String sql) throws SQLException {
    db.exec(sql);
    return check("after " + sql);
  }

  ChangeSet check(String context) throws SQLException {
    ByteImage now = db.image();
    ChangeSet changes;
    if (last == null) {
      changes = decoder.decodeSnapshot(now);
    } else {
      BitSet changed = ByteImage.changedPages(last, now);
      changes = decoder.decode(last, now, changed);
      if (crossCheckFresh) {
        try (CommitDecoder fresh = new CommitDecoder("fresh")) {
          assertThat(fresh.decode(last, now, changed)).as("fresh decoder %s", context).isEqualTo(changes);
        }
      }
    }
    lastChanges = changes;
    model.apply(changes);
    model.assertMatches(db.conn, context);
    last = now;
    commits++;
    return changes;
  }

  /** Checks that a snapshot of the current image alone reproduces the contents. */
  void checkSnapshot() throws SQLException {
    Model fresh = new Model();
    try (CommitDecoder d = new CommitDecoder("snapshot")) {
      fresh.apply(d.decodeSnapshot(db.image()));
    }
    fresh.assertMatches(db.conn, "snapshot");
  }

  @Override
  public void close() throws SQLException {
    decoder.close();
    db.close();
  }
}
