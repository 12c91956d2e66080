package io.walflow.dataflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walflow.ingest.change.Value;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input (issue 6): unsupported SQL, unknown tables or columns, type errors, parameters of the
 * wrong type and state over the memory bound each get a clear, typed error naming what and where,
 * and the views already running keep answering exactly what SQLite answers.
 */
class BadInputTest {
  @TempDir Path dir;

  static final String BYK = "SELECT id, v FROM t WHERE k = ?";

  /** The running views equal SQLite, a commit later too. */
  private static void othersUnaffected(MigrationTest.Source src) throws Exception {
    for (int i = 0; i < 2; i++) {
      src.commit();
      src.check("counts", MigrationTest.COUNTS);
      src.check("byk", BYK, Value.of(7L));
      src.check("byk", BYK, Value.of(499L));
    }
  }

  @Test
  void everyBadQuery_isATypedErrorNamingWhatAndWhere_andOtherViewsKeepAnsweringRight() throws Exception {
    try (Dataflow d = Dataflow.open(DataflowConfig.defaults(dir.resolve("e")).withWorkerThreads(2));
        MigrationTest.Source src = new MigrationTest.Source(d, 42, 3_000, 6)) {
      d.createView("counts", MigrationTest.COUNTS);
      d.createView("byk", BYK);
      othersUnaffected(src);
      int operators = d.operators();

      // unsupported SQL: the construct and its position
      assertThatThrownBy(() -> d.createView("w", "SELECT id,\n  ROW_NUMBER() OVER (ORDER BY v) FROM t"))
          .isInstanceOf(UnsupportedSqlException.class)
          .hasMessageContaining("window")
          .satisfies(e -> {
            assertThat(((QueryException) e).line()).isEqualTo(2);
            assertThat(((QueryException) e).column()).isEqualTo(3);
          });
      assertThatThrownBy(() -> d.createView("x", "SELECT id FROM t INTERSECT SELECT id FROM t"))
          .isInstanceOf(UnsupportedSqlException.class).hasMessageContaining("INTERSECT");
      assertThatThrownBy(() -> d.createView("s", "SELECT id FROM t WHERE k IN (SELECT k FROM t WHERE v = 1)"))
          .isInstanceOf(UnsupportedSqlException.class).hasMessageContaining("subquery")
          .satisfies(e -> assertThat(((QueryException) e).line()).isEqualTo(1));
      othersUnaffected(src);

      // unknown tables and columns: named, with what exists
      assertThatThrownBy(() -> d.createView("u", "SELECT id FROM nosuch"))
          .isInstanceOf(QueryException.class).hasMessageContaining("nosuch").hasMessageContaining("t");
      assertThatThrownBy(() -> d.createView("c", "SELECT id, nosuchcol FROM t WHERE k = ?"))
          .isInstanceOf(QueryException.class).hasMessageContaining("nosuchcol")
          .satisfies(e -> assertThat(((QueryException) e).column()).isEqualTo(12));

      // type errors: an operand of the wrong shape
      assertThatThrownBy(() -> d.createView("ty", "SELECT id FROM t WHERE (k, v) = 3"))
          .isInstanceOf(QueryException.class)
          .satisfies(e -> assertThat(((QueryException) e).line()).isEqualTo(1));
      othersUnaffected(src);

      // parameters: wrong count, wrong type (text that is no number for an INTEGER column)
      assertThatThrownBy(() -> d.lookup("byk", List.of(), 0, Duration.ofSeconds(5)))
          .isInstanceOf(BadParametersException.class).hasMessageContaining("takes 1 parameter");
      assertThatThrownBy(() -> d.lookup("byk", List.of(Value.of("seven")), 0, Duration.ofSeconds(5)))
          .isInstanceOf(BadParametersException.class).hasMessageContaining("parameter 1")
          .hasMessageContaining("INTEGER").hasMessageContaining("'seven'");
      // a text that reads as a number is that number, as in SQLite
      assertThat(d.lookup("byk", List.of(Value.of("7")), 0, Duration.ofSeconds(5)).rows())
          .isEqualTo(d.lookup("byk", List.of(Value.of(7L)), 0, Duration.ofSeconds(5)).rows());
      assertThatThrownBy(() -> d.lookup("nosuchview", List.of(), 0, Duration.ofSeconds(5)))
          .isInstanceOf(NoSuchViewException.class).hasMessageContaining("counts");
      othersUnaffected(src);

      // the same name twice
      assertThatThrownBy(() -> d.createView("counts", MigrationTest.COUNTS))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("counts");
      assertThat(d.operators()).as("nothing of the refused views is left in the graph").isEqualTo(operators);
      othersUnaffected(src);
    }
  }

  @Test
  void stateOverTheMemoryBound_isRefused_andOtherViewsKeepAnsweringRight() throws Exception {
    try (Dataflow d = Dataflow.open(DataflowConfig.defaults(dir.resolve("e")).withMemoryBound(2_000));
        MigrationTest.Source src = new MigrationTest.Source(d, 43, 3_000, 6)) {
      d.createView("counts", "SELECT k, COUNT(*) AS c, SUM(v) AS s FROM t WHERE k = ? GROUP BY k");
      d.createView("byk", BYK);
      int operators = d.operators();
      // a view that cannot be partial (its key is an aggregate's result) and needs all rows
      assertThatThrownBy(() -> d.createView("all", "SELECT c, COUNT(*) AS n FROM "
          + "(SELECT id, COUNT(*) AS c FROM t GROUP BY id) WHERE c = ? GROUP BY c"))
          .isInstanceOf(QueryException.class).hasMessageContaining("memory bound");
      assertThat(d.operators()).isEqualTo(operators);
      // a partial view whose one key needs more than the bound: that read fails, nothing is kept
      d.createView("byv", "SELECT id, k, v FROM t WHERE v = ?");
      assertThatThrownBy(() -> d.lookup("byv", List.of(Value.of(3L)), 0, Duration.ofSeconds(5)))
          .isInstanceOf(StateBudgetException.class).hasMessageContaining("memory bound");
      assertThat(d.lookup("byv", List.of(Value.of(1000L)), 0, Duration.ofSeconds(5)).rows()).isEmpty();
      for (int i = 0; i < 3; i++) {
        src.commit();
        src.check("counts", "SELECT k, COUNT(*) AS c, SUM(v) AS s FROM t WHERE k = ? GROUP BY k", Value.of(7L));
        src.check("byk", BYK, Value.of(7L));
      }
    }
  }
}
