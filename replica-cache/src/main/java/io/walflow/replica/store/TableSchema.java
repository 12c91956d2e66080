package io.walflow.replica.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.walflow.ingest.change.ChangeFormatException;
import io.walflow.ingest.change.ChangeJson;
import io.walflow.ingest.change.Column;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.NullValue;
import io.walflow.ingest.change.RowChange;
import io.walflow.ingest.change.SchemaChange;
import io.walflow.ingest.change.Value;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A replicated table's schema: its columns, each bound to a storage slot, its primary key, and
 * the RocksDB key range its rows live in ({@link #id()}).
 *
 * <p>Slots make {@code ALTER TABLE} free for stored rows: a renamed column keeps its slot, an added
 * column takes a new slot (rows stored before it have fewer slots and read its default), a dropped
 * column's slot is never read again. A table id is never reused: dropping or re-creating a table
 * (and every snapshot) gives it a fresh key range.
 *
 * @param name the table's name
 * @param id the table's key-range id (rows are stored under {@code r, id, key})
 * @param withoutRowid whether the table is keyed by its primary key rather than its rowid
 * @param sql the CREATE TABLE statement
 * @param columns the stored columns in declaration order
 * @param slots the number of slots allotted so far (one more than the highest slot)
 */
public record TableSchema(
    String name, long id, boolean withoutRowid, String sql, List<StoredColumn> columns, int slots) {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Table options follow the column list's closing parenthesis: {@code ) WITHOUT ROWID, STRICT}. */
  private static final Pattern WITHOUT_ROWID = Pattern.compile("\\bWITHOUT\\s+ROWID\\b", Pattern.CASE_INSENSITIVE);

  /**
   * One column and where its value is stored.
   *
   * @param defaultValue what a row stored before the column existed reads as; empty when the
   *     default is not constant (no stored row can lack the column then)
   */
  public record StoredColumn(String name, String type, int pk, boolean notNull, int slot, Optional<Value> defaultValue) {}

  public TableSchema {
    columns = List.copyOf(columns);
  }

  /** The schema of a table created by {@code create} (a CREATE TABLE change), with key range {@code id}. */
  public static TableSchema created(SchemaChange create, long id) {
    List<StoredColumn> cols = new ArrayList<>();
    int slot = 0;
    for (Column c : create.columns()) {
      cols.add(new StoredColumn(c.name(), c.type(), c.pk(), c.notNull(), slot++, c.defaultValue()));
    }
    return new TableSchema(create.table(), id, isWithoutRowid(create.sql()), create.sql(), cols, slot);
  }

  static boolean isWithoutRowid(String sql) {
    int close = sql.lastIndexOf(')');
    return close >= 0 && WITHOUT_ROWID.matcher(sql.substring(close)).find();
  }

  /** This table after {@code alter} (an ALTER TABLE change): renamed columns keep their slots. */
  public TableSchema altered(SchemaChange alter) {
    Map<String, StoredColumn> old = new HashMap<>();
    for (StoredColumn c : columns) {
      old.put(c.name(), c);
    }
    List<StoredColumn> cols = new ArrayList<>();
    int next = slots;
    for (Column c : alter.columns()) {
      StoredColumn was = old.get(c.previousName().orElse(c.name()));
      int slot = was != null ? was.slot() : next++;
      cols.add(new StoredColumn(c.name(), c.type(), c.pk(), c.notNull(), slot, c.defaultValue()));
    }
    return new TableSchema(alter.table(), id, withoutRowid, alter.sql(), cols, next);
  }

  /** The primary-key columns in primary-key order (empty when none is declared). */
  public List<StoredColumn> primaryKey() {
    List<StoredColumn> pk = new ArrayList<>();
    for (StoredColumn c : columns) {
      if (c.pk() > 0) {
        pk.add(c);
      }
    }
    pk.sort(Comparator.comparingInt(StoredColumn::pk));
    return pk;
  }

  /** How many values a point-read key has: 1 (the rowid) or the primary key's width. */
  public int keyWidth() {
    return withoutRowid ? primaryKey().size() : 1;
  }

  /** The stored key of the row that {@code change} is about. */
  public byte[] keyOf(RowChange change) {
    if (change.rowid().isPresent()) {
      return KeyCodec.rowid(change.rowid().getAsLong());
    }
    if (!withoutRowid) {
      throw new IllegalArgumentException("a change of rowid table " + name + " carries no rowid: " + change);
    }
    return KeyCodec.values(new ArrayList<>(change.key().values()));
  }

  /**
   * The stored key for a point-read key: the rowid (one integer) for a rowid table, the
   * primary-key values for a WITHOUT ROWID table.
   *
   * @throws IllegalArgumentException naming the table and what was expected
   */
  public byte[] keyOf(List<Value> key) {
    if (!withoutRowid) {
      if (key.size() != 1 || !(key.get(0) instanceof IntegerValue i)) {
        throw new IllegalArgumentException("table " + name + " is keyed by rowid: the key must be one integer, not " + key);
      }
      return KeyCodec.rowid(i.value());
    }
    int width = primaryKey().size();
    if (key.size() != width) {
      throw new IllegalArgumentException("table " + name + " has a primary key of " + width + " column(s) "
          + primaryKey().stream().map(StoredColumn::name).toList() + ": " + key.size() + " value(s) given");
    }
    return KeyCodec.values(key);
  }

  /**
   * The slots of a row given by column name (as in a change's {@code after}).
   *
   * <p>A change's row lists the table's columns in declaration order: when it does, and every
   * column sits in the slot of its position (a table never altered), the values are taken in one
   * pass over the row; otherwise column by column by name.
   */
  public Value[] toSlots(Map<String, Value> row) {
    if (row.size() == slots && columns.size() == slots) {
      InOrder inOrder = new InOrder(columns);
      row.forEach(inOrder);
      if (inOrder.matched == slots) {
        return inOrder.values;
      }
    }
    Value[] values = new Value[slots];
    java.util.Arrays.fill(values, NullValue.INSTANCE);
    for (StoredColumn c : columns) {
      Value v = row.get(c.name());
      if (v == null) {
        throw new IllegalArgumentException("row of " + name + " lacks column " + c.name() + ": " + row.keySet());
      }
      values[c.slot()] = v;
    }
    return values;
  }

  /** Takes a row's values while its columns come in declaration order, each in the slot of its position. */
  private static final class InOrder implements java.util.function.BiConsumer<String, Value> {
    final List<StoredColumn> columns;
    final Value[] values;
    int matched;
    boolean broken;

    InOrder(List<StoredColumn> columns) {
      this.columns = columns;
      this.values = new Value[columns.size()];
    }

    @Override
    public void accept(String column, Value value) {
      if (broken) {
        return;
      }
      StoredColumn c = columns.get(matched);
      if (c.slot() != matched || !c.name().equals(column)) {
        broken = true;
        return;
      }
      values[matched++] = value;
    }
  }

  /** A stored row by column name, in declaration order; missing slots read the column's default. */
  public Map<String, Value> toRow(Value[] values) {
    Map<String, Value> row = new LinkedHashMap<>(columns.size() * 2);
    for (StoredColumn c : columns) {
      Value v = c.slot() < values.length ? values[c.slot()]
          : c.defaultValue().orElseThrow(() -> new StoreException("a stored row of " + name
              + " lacks column " + c.name() + ", which has no constant default", null));
      row.put(c.name(), v);
    }
    return row;
  }

  /** Serialises this schema (JSON, values encoded as in docs/change-events.md). */
  public byte[] toBytes() {
    ObjectNode o = JSON.createObjectNode();
    o.put("name", name);
    o.put("id", id);
    o.put("withoutRowid", withoutRowid);
    o.put("sql", sql);
    o.put("slots", slots);
    ArrayNode cols = o.putArray("columns");
    for (StoredColumn c : columns) {
      ObjectNode col = cols.addObject();
      col.put("name", c.name());
      col.put("type", c.type());
      col.put("pk", c.pk());
      col.put("notNull", c.notNull());
      col.put("slot", c.slot());
      c.defaultValue().ifPresent(v -> col.set("default", ChangeJson.toJson(v)));
    }
    try {
      return JSON.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads a schema written by {@link #toBytes()}.
   *
   * @throws StoreException naming {@code where} when the bytes are not such a schema
   */
  public static TableSchema fromBytes(byte[] bytes, String where) {
    try {
      JsonNode o = JSON.readTree(bytes);
      List<StoredColumn> cols = new ArrayList<>();
      for (JsonNode c : o.required("columns")) {
        Optional<Value> def = c.has("default")
            ? Optional.of(ChangeJson.valueFromJson(c.get("default"), where + " default")) : Optional.empty();
        cols.add(new StoredColumn(c.required("name").asText(), c.required("type").asText(),
            c.required("pk").asInt(), c.required("notNull").asBoolean(), c.required("slot").asInt(), def));
      }
      return new TableSchema(o.required("name").asText(), o.required("id").asLong(),
          o.required("withoutRowid").asBoolean(), o.required("sql").asText(), cols, o.required("slots").asInt());
    } catch (IOException | IllegalArgumentException | ChangeFormatException e) {
      throw new StoreException("unreadable table schema " + where + ": " + e.getMessage(), e);
    }
  }

  /** SQLite's affinity of the declared type (the rules of section 3.1 of datatype3.html). */
  public static String affinity(String declaredType) {
    String t = declaredType.toUpperCase(Locale.ROOT);
    if (t.contains("INT")) {
      return "INTEGER";
    } else if (t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT")) {
      return "TEXT";
    } else if (t.contains("BLOB") || t.isEmpty()) {
      return "BLOB";
    } else if (t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB")) {
      return "REAL";
    }
    return "NUMERIC";
  }
}
