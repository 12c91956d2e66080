package io.walflow.ingest.decode;

import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.TextValue;
import io.walflow.ingest.change.Value;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads {@code sqlite_schema}, the table b-tree rooted at page 1 whose rows are (type, name,
 * tbl_name, rootpage, sql), and interprets each table's CREATE statement.
 */
final class SchemaReader {
  private static final int FIELDS = 5;

  private SchemaReader() {}

  /**
   * @throws CorruptPageException if the schema b-tree or one of its rows is malformed, or two
   *     objects claim one root page
   * @throws SchemaException if SQLite cannot interpret a table's statement
   */
  static Schema read(Side side, SchemaInterpreter interpreter) {
    List<SchemaObject> objects = new ArrayList<>();
    TreeWalk.walk(side.image(), side.usable(), 1, false, (page, parent) -> {
      if (!page.isLeaf()) {
        return;
      }
      for (int i = 0; i < page.cellCount; i++) {
        BtreePage.Cell cell = page.cell(i);
        byte[] payload = Overflow.payload(side.image(), side.usable(), cell, page.buf);
        objects.add(object(RecordDecoder.decode(payload, side.header().encoding(), cell.pgno(), cell.offset()), cell));
      }
    });
    Map<String, TableDef> tables = new LinkedHashMap<>();
    BitSet roots = new BitSet();
    Set<String> names = new HashSet<>();
    for (SchemaObject o : objects) {
      if (!names.add(o.name())) {
        throw new CorruptPageException(1, -1, "unique names in sqlite_schema, found " + o.name() + " twice");
      }
      if (o.rootpage() > 0) {
        if (o.rootpage() > side.image().pageCount() || roots.get(o.rootpage())) {
          throw new CorruptPageException(1, -1, "a distinct root page inside the database for "
              + o.name() + ", found " + o.rootpage());
        }
        roots.set(o.rootpage());
      }
      if (o.hasRows()) {
        tables.put(o.name(), interpreter.table(o.name(), o.sql()));
      }
    }
    return new Schema(side.header().schemaCookie(), objects, tables);
  }

  private static SchemaObject object(Value[] r, BtreePage.Cell cell) {
    if (r.length < FIELDS) {
      throw new CorruptPageException(cell.pgno(), cell.offset(),
          "a sqlite_schema row of " + FIELDS + " fields, found " + r.length);
    }
    long root = 0;
    if (r[3] instanceof IntegerValue i) {
      root = i.value();
    } else if (!(r[3] instanceof NullValue)) {
      throw new CorruptPageException(cell.pgno(), cell.offset(), "an integer rootpage in sqlite_schema");
    }
    if (root < 0 || root > Integer.MAX_VALUE) {
      throw new CorruptPageException(cell.pgno(), cell.offset(), "a rootpage in range, found " + root);
    }
    String sql = r[4] instanceof TextValue t ? t.value() : "";
    return new SchemaObject(text(r[0], cell), text(r[1], cell), text(r[2], cell), (int) root, sql);
  }

  private static String text(Value v, BtreePage.Cell cell) {
    if (v instanceof TextValue t) {
      return t.value();
    }
    throw new CorruptPageException(cell.pgno(), cell.offset(), "a text field in sqlite_schema, found " + v);
  }
}
