package io.walflow.dataflow.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.dataflow.plan.Affinity;
import io.walflow.ingest.change.Column;
import io.walflow.ingest.change.SchemaChange;
import io.walflow.ingest.change.SchemaOp;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CatalogTest {

  private static SchemaChange table(SchemaOp op, String name, Optional<String> previous, Column... columns) {
    return new SchemaChange(name, op, "CREATE TABLE " + name + "(…)", List.of(columns), previous);
  }

  @Test
  void apply_followsCreateAlterRenameAndDrop() {
    Catalog c = Catalog.empty().apply("db", table(SchemaOp.CREATE_TABLE, "T", Optional.empty(),
        Column.of("id", "INTEGER", 1, false), Column.of("name", "varchar(20)", 0, false), Column.of("x", "", 0, false)));
    TableSchema t = c.table("db", "t").orElseThrow();
    assertThat(t.name()).isEqualTo("T");
    assertThat(t.columns()).extracting(TableSchema.Column::affinity)
        .containsExactly(Affinity.INTEGER, Affinity.TEXT, Affinity.BLOB);
    assertThat(c.databases()).containsExactly("db");

    c = c.apply("db", table(SchemaOp.ALTER_TABLE, "u", Optional.of("T"),
        Column.of("id", "INTEGER", 1, false), Column.of("price", "DOUBLE", 0, false)));
    assertThat(c.table("db", "t")).isEmpty();
    assertThat(c.table("db", "U").orElseThrow().columns()).extracting(TableSchema.Column::affinity)
        .containsExactly(Affinity.INTEGER, Affinity.REAL);

    Catalog same = c.apply("db", new SchemaChange("i", SchemaOp.CREATE_INDEX, "CREATE INDEX i ON u(id)", List.of(), Optional.empty()));
    assertThat(same).isSameAs(c);

    c = c.apply("db", table(SchemaOp.DROP_TABLE, "u", Optional.empty()));
    assertThat(c.table("db", "u")).isEmpty();
    assertThat(c.tables("db")).isEmpty();
  }

  @Test
  void withoutDatabase_dropsOnlyThatDatabase() {
    Catalog c = Catalog.empty()
        .withTable(new TableSchema("a", "t", List.of(TableSchema.Column.of("x", "INT"))))
        .withTable(new TableSchema("b", "t", List.of(TableSchema.Column.of("y", "TEXT"))));
    Catalog without = c.withoutDatabase("a");
    assertThat(without.databases()).containsExactly("b");
    assertThat(c.databases()).containsExactly("a", "b");
    assertThat(without.table("b", "T")).isPresent();
  }
}
