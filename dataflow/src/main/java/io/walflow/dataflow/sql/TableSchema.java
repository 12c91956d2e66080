package io.walflow.dataflow.sql;

import io.walflow.dataflow.plan.Affinity;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One table of one captured database as the planner sees it: its stored columns in declaration
 * order, each with the affinity of its declared type.
 */
public record TableSchema(String db, String name, List<Column> columns) {

  /** A column: its name, declared type ({@code ""} when none) and affinity. */
  public record Column(String name, String declaredType, Affinity affinity) {
    public Column {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(declaredType, "declaredType");
      Objects.requireNonNull(affinity, "affinity");
    }

    /** A column with the affinity SQLite gives {@code declaredType}. */
    public static Column of(String name, String declaredType) {
      return new Column(name, declaredType, Affinity.ofDeclaredType(declaredType));
    }
  }

  public TableSchema {
    Objects.requireNonNull(db, "db");
    Objects.requireNonNull(name, "name");
    columns = List.copyOf(columns);
  }

  /** The index of the column named {@code column} (case-insensitive, as SQLite), if any. */
  public Optional<Integer> columnIndex(String column) {
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).name().equalsIgnoreCase(column)) {
        return Optional.of(i);
      }
    }
    return Optional.empty();
  }

  /** The columns' names, in order. */
  public List<String> columnNames() {
    return columns.stream().map(Column::name).toList();
  }

  static String key(String name) {
    return name.toLowerCase(Locale.ROOT);
  }
}
