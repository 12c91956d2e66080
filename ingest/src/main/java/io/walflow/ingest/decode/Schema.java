package io.walflow.ingest.decode;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The schema of one image: every {@code sqlite_schema} row, and for each table with a b-tree its
 * interpreted definition and root page.
 */
final class Schema {
  final long cookie;
  final List<SchemaObject> objects;
  private final Map<String, TableDef> tables;
  private final Map<String, Integer> roots;
  private final Map<Integer, String> byRoot;

  Schema(long cookie, List<SchemaObject> objects, Map<String, TableDef> tables) {
    this.cookie = cookie;
    this.objects = List.copyOf(objects);
    this.tables = Collections.unmodifiableMap(new LinkedHashMap<>(tables));
    Map<String, Integer> r = new HashMap<>();
    Map<Integer, String> b = new HashMap<>();
    for (SchemaObject o : objects) {
      if (o.hasRows()) {
        r.put(o.name(), o.rootpage());
        b.put(o.rootpage(), o.name());
      }
    }
    this.roots = r;
    this.byRoot = b;
  }

  /** Tables with b-trees, by name, in sqlite_schema order. */
  Map<String, TableDef> tables() {
    return tables;
  }

  int root(String table) {
    Integer r = roots.get(table);
    if (r == null) {
      throw new IllegalStateException("no table " + table);
    }
    return r;
  }

  /** The table whose b-tree is rooted at {@code page}, or null. */
  String tableAt(int page) {
    return byRoot.get(page);
  }

  /** The object named {@code name}, or null. */
  SchemaObject object(String name) {
    for (SchemaObject o : objects) {
      if (o.name().equals(name)) {
        return o;
      }
    }
    return null;
  }
}
