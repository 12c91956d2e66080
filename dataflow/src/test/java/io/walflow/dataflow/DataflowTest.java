package io.walflow.dataflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walflow.dataflow.plan.AggCall;
import io.walflow.dataflow.plan.Affinity;
import io.walflow.dataflow.plan.Expr;
import io.walflow.dataflow.plan.Fn;
import io.walflow.dataflow.plan.Plan;
import io.walflow.dataflow.plan.SortKey;
import io.walflow.dataflow.plan.ViewPlan;
import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.change.Value;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine fed by hand: views over hand-built plans, lookups, subscriptions, schema changes. */
class DataflowTest {
  @TempDir Path dir;

  static final Tables T = new Tables("app", "t", List.of("id", "k", "v"), List.of("INTEGER", "INTEGER", "INTEGER"));
  static final Tables U = new Tables("app", "u", List.of("id", "name"), List.of("INTEGER", "TEXT"));

  static Value v(long x) {
    return Value.of(x);
  }

  /** SELECT k, count(*), sum(v) FROM t WHERE k = ? GROUP BY k. */
  static ViewPlan countByK() {
    Plan agg = new Plan.Aggregate(T.scan(), List.of(1),
        List.of(new AggCall(AggCall.Kind.COUNT_STAR, OptionalInt.empty()), new AggCall(AggCall.Kind.SUM, OptionalInt.of(2))),
        List.of("k", "n", "s"));
    return new ViewPlan("SELECT k, count(*), sum(v) FROM t WHERE k = ? GROUP BY k", "app", agg, List.of(0),
        List.of(Affinity.INTEGER), List.of(0, 1, 2), List.of("k", "n", "s"), List.of(), Optional.empty());
  }

  /** SELECT t.id, u.name FROM t LEFT JOIN u ON t.k = u.id WHERE t.k = ? . */
  static ViewPlan leftJoinByK() {
    Plan join = new Plan.Join(T.scan(), U.scan(), true, List.of(1), List.of(0), List.of(Affinity.INTEGER),
        Optional.empty());
    return new ViewPlan("SELECT t.id, u.name FROM t LEFT JOIN u ON t.k = u.id WHERE t.k = ?", "app", join,
        List.of(1), List.of(Affinity.INTEGER), List.of(0, 4), List.of("id", "name"), List.of(SortKey.of(0, false)),
        Optional.empty());
  }

  private static void snapshot(Dataflow d, long lsn) {
    d.snapshotBegin("app", lsn, Instant.EPOCH);
    d.snapshotChange("app", lsn, T.create());
    d.snapshotChange("app", lsn, U.create());
    d.snapshotChange("app", lsn, T.insert(1, 10, 5));
    d.snapshotChange("app", lsn, T.insert(2, 10, 7));
    d.snapshotChange("app", lsn, T.insert(3, 20, 1));
    d.snapshotChange("app", lsn, U.insert(10, "ten"));
    d.snapshotEnd("app", lsn);
  }

  private static List<List<Value>> rows(Dataflow d, String view, long key) throws Exception {
    return d.lookup(view, List.of(v(key)), 0, Duration.ofSeconds(5)).rows();
  }

  @Test
  void aggregate_fullAndPartial_followCommits() throws Exception {
    for (boolean partial : new boolean[] {false, true}) {
      try (Dataflow d = Dataflow.open(DataflowConfig.defaults(dir.resolve("p" + partial)).withPartialState(partial))) {
        snapshot(d, 0);
        d.createView("c", countByK());
        assertThat(rows(d, "c", 10)).containsExactly(List.of(v(10), v(2), v(12)));
        d.commit("app", 1, Instant.EPOCH, new ChangeSet(List.of(), List.of(T.insert(4, 10, 100), T.delete(3, 20, 1))));
        assertThat(rows(d, "c", 10)).containsExactly(List.of(v(10), v(3), v(112)));
        assertThat(rows(d, "c", 20)).isEmpty();
        d.commit("app", 2, Instant.EPOCH, new ChangeSet(List.of(),
            List.of(T.update(new Object[] {1, 10, 5}, 1, 20, 5))));
        assertThat(rows(d, "c", 10)).containsExactly(List.of(v(10), v(2), v(107)));
        assertThat(rows(d, "c", 20)).containsExactly(List.of(v(20), v(1), v(5)));
        assertThat(d.lookup("c", List.of(v(20)), 2, Duration.ofSeconds(1)).lsn()).isEqualTo(2);
      }
    }
  }

  @Test
  void leftJoin_padsAndRetracts() throws Exception {
    for (boolean partial : new boolean[] {false, true}) {
      try (Dataflow d = Dataflow.open(DataflowConfig.defaults(dir.resolve("j" + partial)).withPartialState(partial))) {
        snapshot(d, 0);
        d.createView("j", leftJoinByK());
        assertThat(rows(d, "j", 10)).containsExactly(List.of(v(1), Value.of("ten")), List.of(v(2), Value.of("ten")));
        assertThat(rows(d, "j", 20)).containsExactly(List.of(v(3), Value.ofNull()));
        d.commit("app", 1, Instant.EPOCH, new ChangeSet(List.of(), List.of(U.insert(20, "twenty"))));
        assertThat(rows(d, "j", 20)).containsExactly(List.of(v(3), Value.of("twenty")));
        d.commit("app", 2, Instant.EPOCH, new ChangeSet(List.of(), List.of(U.delete(10, "ten"))));
        assertThat(rows(d, "j", 10)).containsExactly(List.of(v(1), Value.ofNull()), List.of(v(2), Value.ofNull()));
      }
    }
  }

  @Test
  void subscription_snapshotThenOneDeltaPerChangingTransaction() throws Exception {
    try (Dataflow d = Dataflow.open(DataflowConfig.defaults(dir))) {
      snapshot(d, 0);
      d.createView("c", countByK());
      List<Object> events = new ArrayList<>();
      ViewListener listener = new ViewListener() {
        @Override
        public void onDelta(ViewDelta delta) {
          events.add(delta);
        }

        @Override
        public void onWatermark(long lsn) {
          events.add(lsn);
        }

        @Override
        public void onClose() {
          events.add("closed");
        }
      };
      ViewSubscription s = d.subscribe("c", List.of(v(10)), listener);
      assertThat(s.snapshot().rows()).containsExactly(List.of(v(10), v(2), v(12)));
      d.commit("app", 1, Instant.EPOCH, new ChangeSet(List.of(), List.of(T.insert(4, 10, 1), T.insert(5, 10, 1))));
      d.commit("app", 2, Instant.EPOCH, new ChangeSet(List.of(), List.of(T.insert(6, 30, 1))));
      assertThat(events).containsExactly(
          new ViewDelta(1, List.of(List.of(v(10), v(4), v(14))), List.of(List.of(v(10), v(2), v(12)))), 1L, 2L);
      s.close();
      d.dropView("c");
      assertThatThrownBy(() -> rows(d, "c", 10)).isInstanceOf(NoSuchViewException.class);
    }
  }

  @Test
  void droppedTable_failsItsViewsOnly() throws Exception {
    try (Dataflow d = Dataflow.open(DataflowConfig.defaults(dir))) {
      snapshot(d, 0);
      d.createView("c", countByK());
      Plan uOnly = U.scan();
      d.createView("u", new ViewPlan("SELECT * FROM u", "app", uOnly, List.of(), List.of(), List.of(0, 1),
          List.of("id", "name"), List.of(), Optional.empty()));
      d.commit("app", 1, Instant.EPOCH, new ChangeSet(List.of(new io.walflow.ingest.change.SchemaChange("t",
          io.walflow.ingest.change.SchemaOp.DROP_TABLE, "CREATE TABLE t", List.of(), Optional.empty())), List.of()));
      assertThatThrownBy(() -> rows(d, "c", 10)).isInstanceOf(ViewFailedException.class).hasMessageContaining("dropped");
      assertThat(d.lookup("u", List.of(), 1, Duration.ofSeconds(1)).rows()).hasSize(1);
      assertThatThrownBy(() -> d.lookup("u", List.of(v(1)), 0, Duration.ofSeconds(1)))
          .isInstanceOf(BadParametersException.class);
      assertThatThrownBy(() -> d.lookup("u", List.of(), 5, Duration.ofMillis(50)))
          .isInstanceOf(LookupTimeoutException.class);
    }
  }
}
