package io.walflow.replica.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walflow.ingest.change.Column;
import io.walflow.ingest.change.SchemaChange;
import io.walflow.ingest.change.SchemaOp;
import io.walflow.ingest.change.Value;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link TableSchema#toSlots} puts every column's value in the column's slot, whether the row
 * lists the columns in declaration order (one pass) or not, for tables created and altered.
 */
class TableSchemaTest {
  /** The oracle: each column's value, looked up by name, in its slot; slots no column holds are NULL. */
  private static Value[] bySlot(TableSchema t, Map<String, Value> row) {
    Value[] out = new Value[t.slots()];
    java.util.Arrays.fill(out, Value.ofNull());
    for (TableSchema.StoredColumn c : t.columns()) {
      out[c.slot()] = row.get(c.name());
    }
    return out;
  }

  private static SchemaChange create(List<String> names) {
    List<Column> cols = new ArrayList<>();
    for (String n : names) {
      cols.add(Column.of(n, "", 0, false));
    }
    return new SchemaChange("t", SchemaOp.CREATE_TABLE, "CREATE TABLE t(" + String.join(", ", names) + ")", cols,
        Optional.empty());
  }

  @Test
  void toSlots_putsEachValueInItsColumnsSlot_inOrderOrNot_createdOrAltered() {
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    Random r = new Random(seed);
    for (int round = 0; round < 500; round++) {
      List<String> names = new ArrayList<>();
      for (int i = 0, n = 1 + r.nextInt(6); i < n; i++) {
        names.add("c" + i);
      }
      TableSchema t = TableSchema.created(create(names), 1);
      if (r.nextBoolean()) { // an ALTER: a column renamed, one dropped, one added
        List<Column> cols = new ArrayList<>();
        for (String n : names) {
          int what = r.nextInt(4);
          if (what == 0 && names.size() > 1) {
            continue; // dropped
          }
          cols.add(what == 1 ? Column.of(n + "x", "", 0, false).withPreviousName(n) : Column.of(n, "", 0, false));
        }
        if (r.nextBoolean()) {
          cols.add(Column.of("added", "", 0, false));
        }
        t = t.altered(new SchemaChange("t", SchemaOp.ALTER_TABLE, "ALTER TABLE t …", cols, Optional.empty()));
      }
      List<String> order = new ArrayList<>(t.columns().stream().map(TableSchema.StoredColumn::name).toList());
      if (r.nextBoolean()) {
        Collections.shuffle(order, r);
      }
      Map<String, Value> row = new LinkedHashMap<>();
      for (String n : order) {
        row.put(n, Value.of(r.nextInt(1000)));
      }
      assertThat(t.toSlots(row)).as("seed %d round %d: %s as %s", seed, round, row, t).containsExactly(bySlot(t, row));
    }
  }

  @Test
  void toSlots_namesAMissingColumn() {
    TableSchema t = TableSchema.created(create(List.of("a", "b")), 1);
    Map<String, Value> row = new LinkedHashMap<>();
    row.put("a", Value.of(1));
    row.put("c", Value.of(2));
    assertThatThrownBy(() -> t.toSlots(row)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lacks column b");
  }
}
