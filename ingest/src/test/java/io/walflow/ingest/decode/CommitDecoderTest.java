package io.walflow.ingest.decode;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.Op;
import io.walflow.ingest.change.RealValue;
import io.walflow.ingest.change.RowChange;
import io.walflow.ingest.change.SchemaOp;
import io.walflow.ingest.change.TextValue;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scenario tests of {@link CommitDecoder}, each checked against SQLite by {@link Harness}. */
class CommitDecoderTest {
  @TempDir Path dir;

  @Test
  void decode_insertUpdateDelete_reportsEachWithBeforeAndAfter() throws Exception {
    try (Harness h = new Harness(dir)) {
      h.commit("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
      ChangeSet ins = h.commit("INSERT INTO t VALUES (5, 'a')");
      assertThat(ins.rowChanges()).containsExactly(new RowChange("t", Op.INSERT,
          java.util.OptionalLong.of(5), Map.of("id", new IntegerValue(5)), Map.of(),
          Map.of("id", new IntegerValue(5), "v", new TextValue("a"))));
      ChangeSet upd = h.commit("UPDATE t SET v = 'b' WHERE id = 5");
      assertThat(upd.rowChanges()).singleElement().satisfies(r -> {
        assertThat(r.op()).isEqualTo(Op.UPDATE);
        assertThat(r.before().get("v")).isEqualTo(new TextValue("a"));
        assertThat(r.after().get("v")).isEqualTo(new TextValue("b"));
      });
      ChangeSet del = h.commit("DELETE FROM t");
      assertThat(del.rowChanges()).singleElement().extracting(RowChange::op).isEqualTo(Op.DELETE);
    }
  }

  @Test
  void decode_createTable_isSchemaEventWithColumns() throws Exception {
    try (Harness h = new Harness(dir)) {
      h.commit("CREATE TABLE a(x)");
      ChangeSet c = h.commit("CREATE TABLE t(id INTEGER PRIMARY KEY, v REAL DEFAULT 1, w TEXT NOT NULL DEFAULT 'z')",
          "INSERT INTO t(id, w) VALUES (1, 'q')");
      assertThat(c.schemaChanges()).singleElement().satisfies(s -> {
        assertThat(s.op()).isEqualTo(SchemaOp.CREATE_TABLE);
        assertThat(s.columns()).extracting(col -> col.name()).containsExactly("id", "v", "w");
        assertThat(s.columns().get(1).defaultValue()).contains(new RealValue(1.0));
      });
      assertThat(c.rowChanges()).singleElement().extracting(r -> r.after().get("v")).isEqualTo(new RealValue(1.0));
    }
  }

  @Test
  void decode_overflowOnlyUpdate_isAnUpdate() throws Exception {
    try (Harness h = new Harness(dir)) {
      h.commit("CREATE TABLE t(id INTEGER PRIMARY KEY, b BLOB)");
      h.commit("INSERT INTO t VALUES (1, zeroblob(100000))");
      ChangeSet c = h.commit("UPDATE t SET b = CAST(substr(b, 1, 90000) || x'01' || substr(b, 90002) AS BLOB)");
      assertThat(c.rowChanges()).singleElement().extracting(RowChange::op).isEqualTo(Op.UPDATE);
    }
  }

  @Test
  void decode_manyRowsSplitsAndMerges_matchSqlite() throws Exception {
    try (Harness h = new Harness(dir)) {
      h.commit("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)", "CREATE INDEX ti ON t(v)");
      h.commit("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 3000) "
          + "INSERT INTO t SELECT i, printf('%0100d', i) FROM c");
      h.commit("DELETE FROM t WHERE id % 3 = 0");
      h.commit("UPDATE t SET v = v || 'x' WHERE id % 7 = 0");
      h.commit("DELETE FROM t WHERE id BETWEEN 100 AND 2500");
      h.checkSnapshot();
    }
  }

  @Test
  void decode_withoutRowidAndAlter_matchSqlite() throws Exception {
    try (Harness h = new Harness(dir)) {
      h.commit("CREATE TABLE w(a TEXT, b INT, c, PRIMARY KEY(b, a)) WITHOUT ROWID");
      h.commit("INSERT INTO w VALUES ('x', 1, 1.5), ('y', 2, NULL), ('z', 2, randomblob(3000))");
      h.commit("UPDATE w SET c = 'changed' WHERE b = 2");
      h.commit("ALTER TABLE w ADD COLUMN d REAL DEFAULT 3");
      h.commit("ALTER TABLE w RENAME COLUMN c TO cc");
      h.commit("ALTER TABLE w RENAME TO w2");
      h.commit("ALTER TABLE w2 DROP COLUMN cc");
      h.commit("UPDATE w2 SET a = 'q' WHERE b = 1");
      h.autocommit("VACUUM");
      assertThat(h.lastChanges.isEmpty()).isTrue();
      h.commit("DROP TABLE w2");
    }
  }
}
