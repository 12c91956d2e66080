package io.walflow.dataflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walflow.dataflow.plan.AggCall;
import io.walflow.dataflow.plan.Affinity;
import io.walflow.dataflow.plan.Expr;
import io.walflow.dataflow.plan.Fn;
import io.walflow.dataflow.plan.Plan;
import io.walflow.dataflow.plan.ViewPlan;
import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.change.Column;
import io.walflow.ingest.change.SchemaChange;
import io.walflow.ingest.change.SchemaOp;
import io.walflow.ingest.change.Value;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sharing, bad input, budgets and schema changes, on hand-fed transactions. */
class EngineBehaviourTest {
  @TempDir Path dir;

  static final Tables T = DataflowTest.T;

  static Value v(long x) {
    return Value.of(x);
  }

  static ViewPlan plan(String sql, Plan p, List<Integer> keys, List<Integer> visible) {
    return new ViewPlan(sql, "app", p, keys, keys.stream().map(k -> Affinity.INTEGER).toList(), visible,
        visible.stream().map(i -> "c" + i).toList(), List.of(), Optional.empty());
  }

  static Plan filtered() {
    return new Plan.Filter(T.scan(), new Expr.Call(Fn.GT, List.of(new Expr.Column(2, Affinity.INTEGER),
        new Expr.Literal(Value.of(0L)))));
  }

  static Plan sumByK(Plan input) {
    return new Plan.Aggregate(input, List.of(1), List.of(new AggCall(AggCall.Kind.SUM, OptionalInt.of(2))),
        List.of("k", "s"));
  }

  private Dataflow engine(DataflowConfig config) {
    Dataflow d = Dataflow.open(config);
    d.snapshotBegin("app", 0, Instant.EPOCH);
    d.snapshotChange("app", 0, T.create());
    for (int i = 1; i <= 20; i++) {
      d.snapshotChange("app", 0, T.insert(i, i % 4, i));
    }
    d.snapshotEnd("app", 0);
    return d;
  }

  private static List<List<Value>> rows(Dataflow d, String view, Value... key) throws Exception {
    return d.lookup(view, List.of(key), 0, Duration.ofSeconds(5)).rows();
  }

  @Test
  void equalSubPlans_shareOperators_untilTheLastViewIsDropped() throws Exception {
    try (Dataflow d = engine(DataflowConfig.defaults(dir).withPartialState(false))) {
      d.createView("a", plan("a", sumByK(filtered()), List.of(0), List.of(0, 1)));
      int one = d.operators();
      d.createView("b", plan("b", new Plan.Project(sumByK(filtered()), List.of(new Expr.Column(1, Affinity.NONE)),
          List.of("s")), List.of(), List.of(0)));
      // b adds only its project and its reader: scan, filter and aggregate are shared
      assertThat(d.operators()).isEqualTo(one + 2);
      d.commit("app", 1, Instant.EPOCH, new ChangeSet(List.of(), List.of(T.insert(21, 1, 100))));
      assertThat(rows(d, "a", v(1))).containsExactly(List.of(v(1), v(1 + 5 + 9 + 13 + 17 + 100)));
      d.dropView("a");
      assertThat(d.operators()).isEqualTo(one + 2 - 1);
      d.commit("app", 2, Instant.EPOCH, new ChangeSet(List.of(), List.of(T.delete(21, 1, 100))));
      assertThat(rows(d, "b")).contains(List.of(v(45)));
      d.dropView("b");
      assertThat(d.operators()).isZero();
    }
  }

  @Test
  void newPartialView_holdsNothing_untilARead_thenOnlyThatKey() throws Exception {
    try (Dataflow d = engine(DataflowConfig.defaults(dir))) {
      d.createView("a", plan("a", sumByK(filtered()), List.of(0), List.of(0, 1)));
      assertThat(d.stateBytes()).isZero();
      assertThat(rows(d, "a", v(1))).containsExactly(List.of(v(1), v(1 + 5 + 9 + 13 + 17)));
      long oneKey = d.stateBytes();
      assertThat(oneKey).isPositive();
      assertThat(d.upqueries()).isEqualTo(1);
      d.commit("app", 1, Instant.EPOCH, new ChangeSet(List.of(), List.of(T.insert(30, 2, 7))));
      assertThat(d.stateBytes()).as("a change to an unread key is dropped").isEqualTo(oneKey);
      assertThat(rows(d, "a", v(2))).containsExactly(List.of(v(2), v(2 + 6 + 10 + 14 + 18 + 7)));
      assertThat(rows(d, "a", v(1))).hasSize(1);
      assertThat(d.upqueries()).isEqualTo(2);
    }
  }

  @Test
  void unknownTable_isAQueryError_andOtherViewsKeepRunning() throws Exception {
    try (Dataflow d = engine(DataflowConfig.defaults(dir))) {
      d.createView("a", plan("a", sumByK(T.scan()), List.of(0), List.of(0, 1)));
      Plan missing = new Plan.Scan("app", "nope", List.of("x"), List.of(Affinity.INTEGER));
      assertThatThrownBy(() -> d.createView("b", plan("b", missing, List.of(), List.of(0))))
          .isInstanceOf(QueryException.class).hasMessageContaining("app.nope");
      Plan badColumn = new Plan.Scan("app", "t", List.of("id", "zz"), List.of(Affinity.INTEGER, Affinity.INTEGER));
      assertThatThrownBy(() -> d.createView("c", plan("c", badColumn, List.of(), List.of(0))))
          .isInstanceOf(QueryException.class).hasMessageContaining("zz");
      assertThatThrownBy(() -> d.createView("a", plan("a", T.scan(), List.of(), List.of(0))))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(d.views()).extracting(ViewInfo::name).containsExactly("a");
      assertThat(rows(d, "a", v(2))).containsExactly(List.of(v(2), v(2 + 6 + 10 + 14 + 18)));
      assertThatThrownBy(() -> rows(d, "a")).isInstanceOf(BadParametersException.class)
          .hasMessageContaining("takes 1 parameter, got 0");
      assertThatThrownBy(() -> rows(d, "zz")).isInstanceOf(NoSuchViewException.class).hasMessageContaining("a");
    }
  }

  @Test
  void stateOverTheBound_isRefused_andNothingElseChanges() throws Exception {
    try (Dataflow d = engine(DataflowConfig.defaults(dir).withMemoryBound(2_000))) {
      d.createView("small", plan("small", sumByK(T.scan()), List.of(0), List.of(0, 1)));
      assertThat(rows(d, "small", v(3))).hasSize(1);
      // every row under one key: one key alone is over the bound
      d.createView("all", plan("all", T.scan(), List.of(), List.of(0, 1, 2)));
      assertThatThrownBy(() -> rows(d, "all")).isInstanceOf(StateBudgetException.class)
          .hasMessageContaining("memory bound");
      assertThat(rows(d, "small", v(3))).hasSize(1);
    }
    try (Dataflow d = engine(DataflowConfig.defaults(dir.resolve("full")).withPartialState(false)
        .withMemoryBound(2_000))) {
      assertThatThrownBy(() -> d.createView("all", plan("all", T.scan(), List.of(), List.of(0, 1, 2))))
          .isInstanceOf(QueryException.class).hasMessageContaining("memory bound");
      assertThat(d.views()).isEmpty();
      assertThat(d.operators()).isZero();
    }
  }

  @Test
  void sumOverflow_failsThatViewOnly() throws Exception {
    try (Dataflow d = engine(DataflowConfig.defaults(dir).withPartialState(false))) {
      d.createView("sum", plan("sum", sumByK(T.scan()), List.of(0), List.of(0, 1)));
      d.createView("rows", plan("rows", T.scan(), List.of(), List.of(0)));
      d.commit("app", 1, Instant.EPOCH, new ChangeSet(List.of(),
          List.of(T.insert(30, 1, Long.MAX_VALUE), T.insert(31, 1, Long.MAX_VALUE))));
      assertThatThrownBy(() -> rows(d, "sum", v(1))).isInstanceOf(ViewFailedException.class)
          .hasMessageContaining("integer overflow").hasMessageContaining("LSN 1");
      assertThat(rows(d, "rows")).hasSize(22);
    }
  }

  @Test
  void addedColumn_keepsViewsRunning_renamedColumn_failsThem() throws Exception {
    try (Dataflow d = engine(DataflowConfig.defaults(dir))) {
      d.createView("sum", plan("sum", sumByK(T.scan()), List.of(0), List.of(0, 1)));
      assertThat(rows(d, "sum", v(1))).containsExactly(List.of(v(1), v(45)));
      List<Column> withNote = List.of(Column.of("id", "INTEGER", 1, false), Column.of("k", "INTEGER", 0, false),
          Column.of("v", "INTEGER", 0, false), Column.of("note", "TEXT", 0, false));
      Tables t2 = new Tables("app", "t", List.of("id", "k", "v", "note"),
          List.of("INTEGER", "INTEGER", "INTEGER", "TEXT"));
      d.commit("app", 1, Instant.EPOCH, new ChangeSet(
          List.of(new SchemaChange("t", SchemaOp.ALTER_TABLE, "CREATE TABLE t(...)", withNote, Optional.empty())),
          List.of(t2.insert(40, 1, 5, "hi"))));
      assertThat(rows(d, "sum", v(1))).containsExactly(List.of(v(1), v(50)));
      List<Column> renamed = List.of(Column.of("id", "INTEGER", 1, false), Column.of("k", "INTEGER", 0, false),
          Column.of("w", "INTEGER", 0, false).withPreviousName("v"), Column.of("note", "TEXT", 0, false));
      d.commit("app", 2, Instant.EPOCH, new ChangeSet(
          List.of(new SchemaChange("t", SchemaOp.ALTER_TABLE, "CREATE TABLE t(...)", renamed, Optional.empty())),
          List.of()));
      assertThatThrownBy(() -> rows(d, "sum", v(1))).isInstanceOf(ViewFailedException.class)
          .hasMessageContaining("column v");
      assertThat(d.failure("sum")).isPresent();
    }
  }
}
