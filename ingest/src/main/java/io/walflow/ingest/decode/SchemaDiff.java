package io.walflow.ingest.decode;

import io.walflow.ingest.change.Column;
import io.walflow.ingest.change.SchemaChange;
import io.walflow.ingest.change.SchemaOp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The schema events of a commit that changed {@code sqlite_schema}, and how to compare each
 * table's rows.
 *
 * <h2>Which table was which</h2>
 * A table after the commit continues the table of the same name before it; failing that, the
 * table that had its root page before, if that table's name is gone (a rename: ALTER TABLE …
 * RENAME TO keeps the b-tree). A rename can therefore never target a name in use before the
 * commit, which keeps the events applicable in sequence. A continuation whose key shape changed
 * (WITHOUT ROWID toggled, different primary key) cannot be expressed as an alteration of rows a
 * consumer holds, so it becomes a drop and a create with every row inserted.
 *
 * <h2>Columns</h2>
 * Columns are matched by name; the remaining ones are paired in order between matched neighbours
 * (RENAME COLUMN keeps a column's position, ADD COLUMN appends) when their declared type, default
 * and constraints are equal, as RENAME COLUMN leaves them. Otherwise the later column is new: a
 * DROP COLUMN followed by an ADD COLUMN in one commit must not carry the dropped column's values
 * (or default) into the added one, since rows that never stored the dropped column are not
 * rewritten and so produce no row change to correct it.
 *
 * <h2>Order</h2>
 * Drops (triggers, views, indexes, tables), then alterations and renames, then creates (tables,
 * indexes, views, triggers): applied in order they yield the schema after the commit.
 */
final class SchemaDiff {
  /**
   * @param events the schema changes, in applicable order
   * @param plans one plan per table with rows after the commit, in sqlite_schema order
   */
  record Result(List<SchemaChange> events, List<TablePlan> plans) {}

  private SchemaDiff() {}

  /**
   * @param sameGeometry whether page size, reserved bytes and encoding are unchanged (else every
   *     continued table is compared in full)
   */
  static Result diff(Schema b, Schema a, boolean sameGeometry) {
    Map<String, TableDef> bt = b.tables();
    Map<String, TableDef> at = a.tables();
    Set<String> aTableNames = new HashSet<>();
    for (SchemaObject o : a.objects) {
      if (o.isTable()) {
        aTableNames.add(o.name());
      }
    }
    Map<String, String> sourceOf = new HashMap<>();
    Map<String, String[]> columnSources = new HashMap<>();
    for (Map.Entry<String, TableDef> e : at.entrySet()) {
      String name = e.getKey();
      String source = bt.containsKey(name) ? name : b.tableAt(a.root(name));
      if (source == null || (!source.equals(name) && aTableNames.contains(source))) {
        continue;
      }
      String[] cols = pairColumns(bt.get(source), e.getValue());
      if (sameKeyShape(bt.get(source), e.getValue(), cols)) {
        sourceOf.put(name, source);
        columnSources.put(name, cols);
      }
    }
    Set<String> usedSources = new HashSet<>(sourceOf.values());

    List<SchemaChange> drops = new ArrayList<>();
    List<SchemaChange> alters = new ArrayList<>();
    List<SchemaChange> creates = new ArrayList<>();
    for (String type : List.of("trigger", "view", "index", "table")) {
      for (SchemaObject o : b.objects) {
        if (!o.type().equals(type) || o.sql().isEmpty()) {
          continue;
        }
        SchemaObject now = a.object(o.name());
        boolean gone = o.hasRows()
            ? !usedSources.contains(o.name())
            : now == null || !now.type().equals(o.type()) || !now.sql().equals(o.sql());
        if (gone) {
          drops.add(event(o.name(), dropOp(type), o.sql(), List.of(), Optional.empty()));
        }
      }
    }
    List<TablePlan> plans = new ArrayList<>();
    for (Map.Entry<String, TableDef> e : at.entrySet()) {
      String name = e.getKey();
      TableDef def = e.getValue();
      int root = a.root(name);
      String source = sourceOf.get(name);
      if (source == null) {
        creates.add(event(name, SchemaOp.CREATE_TABLE, def.sql(), columns(def, null), Optional.empty()));
        plans.add(new TablePlan(name, def, root, Optional.empty(), 0, TablePlan.Mode.ALL_INSERTS, Optional.empty()));
        continue;
      }
      TableDef old = bt.get(source);
      int oldRoot = b.root(source);
      String[] cols = columnSources.get(name);
      boolean renamed = !source.equals(name);
      if (renamed || !old.sql().equals(def.sql())) {
        alters.add(event(name, SchemaOp.ALTER_TABLE, def.sql(), columns(def, cols),
            renamed ? Optional.of(source) : Optional.empty()));
      }
      TablePlan.Mode mode = sameGeometry && oldRoot == root ? TablePlan.Mode.INCREMENTAL : TablePlan.Mode.FULL;
      Optional<String[]> projection = old.equals(def) ? Optional.empty() : Optional.of(cols);
      plans.add(new TablePlan(name, def, root, Optional.of(old), oldRoot, mode, projection));
    }
    for (String type : List.of("table", "index", "view", "trigger")) {
      for (SchemaObject o : a.objects) {
        if (!o.type().equals(type) || o.sql().isEmpty() || o.hasRows()) {
          continue;
        }
        SchemaObject was = b.object(o.name());
        if (was == null || !was.type().equals(o.type()) || !was.sql().equals(o.sql())) {
          creates.add(event(o.name(), createOp(type), o.sql(), List.of(), Optional.empty()));
        }
      }
    }
    List<SchemaChange> events = new ArrayList<>(drops);
    events.addAll(alters);
    events.addAll(creates);
    return new Result(events, plans);
  }

  /**
   * For each column of {@code after}, the column of {@code before} it continues, or null for a new
   * column (see the class comment).
   */
  static String[] pairColumns(TableDef before, TableDef after) {
    List<String> bn = before.columnNames();
    List<String> an = after.columnNames();
    String[] src = new String[an.size()];
    Set<String> common = new HashSet<>(bn);
    common.retainAll(an);
    // Gap number of a column: how many matched columns precede it on its side.
    List<List<String>> bGaps = gaps(bn, common);
    List<List<String>> aGaps = gaps(an, common);
    Map<String, String> renamed = new HashMap<>();
    for (int g = 0; g < aGaps.size() && g < bGaps.size(); g++) {
      List<String> ag = aGaps.get(g);
      List<String> bg = bGaps.get(g);
      for (int i = 0; i < ag.size() && i < bg.size(); i++) {
        if (sameDefinition(column(before, bg.get(i)), column(after, ag.get(i)))) {
          renamed.put(ag.get(i), bg.get(i));
        }
      }
    }
    for (int i = 0; i < an.size(); i++) {
      String n = an.get(i);
      src[i] = common.contains(n) ? n : renamed.get(n);
    }
    return src;
  }

  /**
   * RENAME COLUMN keeps a column's declared type, default and constraints; a column that differs in
   * any of them was dropped and another added (a DROP COLUMN does not rewrite rows that never
   * stored the dropped column, so such a pairing would carry its default into the new column).
   */
  private static boolean sameDefinition(ColumnDef b, ColumnDef a) {
    return b.type().equals(a.type()) && b.defaultSql().equals(a.defaultSql()) && b.notNull() == a.notNull()
        && b.pk() == a.pk();
  }

  private static ColumnDef column(TableDef t, String name) {
    for (ColumnDef c : t.columns()) {
      if (c.name().equals(name)) {
        return c;
      }
    }
    throw new IllegalStateException("no column " + name + " in " + t.name());
  }

  private static List<List<String>> gaps(List<String> names, Set<String> common) {
    List<List<String>> gaps = new ArrayList<>();
    gaps.add(new ArrayList<>());
    for (String n : names) {
      if (common.contains(n)) {
        gaps.add(new ArrayList<>());
      } else {
        gaps.get(gaps.size() - 1).add(n);
      }
    }
    return gaps;
  }

  private static boolean sameKeyShape(TableDef before, TableDef after, String[] sources) {
    if (before.withoutRowid() != after.withoutRowid()) {
      return false;
    }
    List<String> oldKey = before.keyNames();
    List<Integer> pk = after.pkColumns();
    if (oldKey.size() != pk.size()) {
      return false;
    }
    for (int i = 0; i < pk.size(); i++) {
      if (!oldKey.get(i).equals(sources[pk.get(i)])) {
        return false;
      }
    }
    return true;
  }

  private static List<Column> columns(TableDef def, String[] sources) {
    List<Column> cols = new ArrayList<>(def.columns().size());
    for (int i = 0; i < def.columns().size(); i++) {
      Column c = def.columns().get(i).toColumn();
      if (sources != null && sources[i] != null && !sources[i].equals(c.name())) {
        c = c.withPreviousName(sources[i]);
      }
      cols.add(c);
    }
    return cols;
  }

  private static SchemaChange event(String name, SchemaOp op, String sql, List<Column> columns,
      Optional<String> previous) {
    return new SchemaChange(name, op, sql, columns, previous);
  }

  private static SchemaOp dropOp(String type) {
    return switch (type) {
      case "trigger" -> SchemaOp.DROP_TRIGGER;
      case "view" -> SchemaOp.DROP_VIEW;
      case "index" -> SchemaOp.DROP_INDEX;
      default -> SchemaOp.DROP_TABLE;
    };
  }

  private static SchemaOp createOp(String type) {
    return switch (type) {
      case "trigger" -> SchemaOp.CREATE_TRIGGER;
      case "view" -> SchemaOp.CREATE_VIEW;
      case "index" -> SchemaOp.CREATE_INDEX;
      default -> SchemaOp.CREATE_TABLE;
    };
  }
}
