package io.walflow.dataflow.sql;

import io.walflow.ingest.change.SchemaChange;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The tables of the captured databases, as the planner resolves names against them. Immutable:
 * each schema change gives a new catalogue. Table names are case-insensitive, as in SQLite.
 */
public final class Catalog {
  private static final Catalog EMPTY = new Catalog(Map.of());

  /** Database → lower-case table name → table. */
  private final Map<String, Map<String, TableSchema>> dbs;

  private Catalog(Map<String, Map<String, TableSchema>> dbs) {
    this.dbs = dbs;
  }

  /** No database. */
  public static Catalog empty() {
    return EMPTY;
  }

  /** This catalogue with {@code table} added to (or replaced in) its database. */
  public Catalog withTable(TableSchema table) {
    Map<String, Map<String, TableSchema>> copy = copy();
    copy.computeIfAbsent(table.db(), d -> new TreeMap<>()).put(TableSchema.key(table.name()), table);
    return new Catalog(freeze(copy));
  }

  /**
   * This catalogue after a schema change of database {@code db}: CREATE and ALTER TABLE (including a
   * rename, given by {@link SchemaChange#previousName()}) set the table's columns, DROP TABLE removes
   * it; indexes, views and triggers do not change the catalogue.
   */
  public Catalog apply(String db, SchemaChange change) {
    Map<String, Map<String, TableSchema>> copy = copy();
    Map<String, TableSchema> tables = copy.computeIfAbsent(db, d -> new TreeMap<>());
    switch (change.op()) {
      case CREATE_TABLE:
      case ALTER_TABLE: {
        change.previousName().ifPresent(prev -> tables.remove(TableSchema.key(prev)));
        List<TableSchema.Column> columns = change.columns().stream()
            .map(c -> TableSchema.Column.of(c.name(), c.type())).toList();
        tables.put(TableSchema.key(change.table()), new TableSchema(db, change.table(), columns));
        break;
      }
      case DROP_TABLE:
        tables.remove(TableSchema.key(change.table()));
        break;
      default:
        return this;
    }
    return new Catalog(freeze(copy));
  }

  /** This catalogue without database {@code db} (its snapshot is about to be replaced). */
  public Catalog withoutDatabase(String db) {
    if (!dbs.containsKey(db)) {
      return this;
    }
    Map<String, Map<String, TableSchema>> copy = copy();
    copy.remove(db);
    return new Catalog(freeze(copy));
  }

  /** The table {@code name} of database {@code db} (name case-insensitive). */
  public Optional<TableSchema> table(String db, String name) {
    Map<String, TableSchema> tables = dbs.get(db);
    return tables == null ? Optional.empty() : Optional.ofNullable(tables.get(TableSchema.key(name)));
  }

  /** The names of database {@code db}'s tables, sorted. */
  public Set<String> tables(String db) {
    Map<String, TableSchema> tables = dbs.get(db);
    Set<String> names = new TreeSet<>();
    if (tables != null) {
      tables.values().forEach(t -> names.add(t.name()));
    }
    return Collections.unmodifiableSet(names);
  }

  /** The databases, sorted. */
  public Set<String> databases() {
    return Collections.unmodifiableSet(new TreeSet<>(dbs.keySet()));
  }

  private Map<String, Map<String, TableSchema>> copy() {
    Map<String, Map<String, TableSchema>> copy = new LinkedHashMap<>();
    dbs.forEach((d, t) -> copy.put(d, new TreeMap<>(t)));
    return copy;
  }

  private static Map<String, Map<String, TableSchema>> freeze(Map<String, Map<String, TableSchema>> m) {
    Map<String, Map<String, TableSchema>> out = new LinkedHashMap<>();
    m.forEach((d, t) -> out.put(d, Collections.unmodifiableMap(t)));
    return Collections.unmodifiableMap(out);
  }

  @Override
  public String toString() {
    return "Catalog" + dbs;
  }
}
