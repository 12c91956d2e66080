package io.walflow.ingest.change;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The JSON form of changes, as {@code walflow log dump --changes} prints them and as consumers
 * outside the JVM read them. Documented in {@code docs/change-events.md} ("JSON encoding").
 *
 * <p>Values: integer → JSON number (exact for all 64 bits: parse it as a 64-bit integer, not a
 * double); real → JSON number always written with a fraction or an exponent ({@code 1.0}, {@code
 * 1.0E20}), or {@code {"real":"Infinity"|"-Infinity"|"NaN"}} when not finite; text → string; blob
 * → {@code {"base64":"…"}} (RFC 4648 with padding); null → {@code null}.
 *
 * <p>This class is stateless and thread-safe.
 */
public final class ChangeJson {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private ChangeJson() {}

  /** The changes of {@code set}, in order, as a JSON array (for the {@code "changes"} field). */
  public static ArrayNode toJson(ChangeSet set) {
    ArrayNode array = NODES.arrayNode(set.size());
    for (Change c : set.changes()) {
      array.add(toJson(c));
    }
    return array;
  }

  /** One change as a JSON object. */
  public static ObjectNode toJson(Change change) {
    return change instanceof RowChange r ? rowToJson(r) : schemaToJson((SchemaChange) change);
  }

  private static ObjectNode rowToJson(RowChange r) {
    ObjectNode o = NODES.objectNode();
    o.put("table", r.table());
    o.put("op", r.op().jsonName());
    if (r.rowid().isPresent()) {
      o.put("rowid", r.rowid().getAsLong());
    }
    o.set("key", rowToJson(r.key()));
    o.set("before", r.op() == Op.INSERT ? NODES.nullNode() : rowToJson(r.before()));
    o.set("after", r.op() == Op.DELETE ? NODES.nullNode() : rowToJson(r.after()));
    return o;
  }

  private static ObjectNode rowToJson(Map<String, Value> row) {
    ObjectNode o = NODES.objectNode();
    row.forEach((column, value) -> o.set(column, toJson(value)));
    return o;
  }

  private static ObjectNode schemaToJson(SchemaChange s) {
    ObjectNode o = NODES.objectNode();
    o.put("table", s.table());
    o.put("op", s.op().jsonName());
    o.put("sql", s.sql());
    ArrayNode columns = o.putArray("columns");
    for (Column c : s.columns()) {
      ObjectNode col = columns.addObject();
      col.put("name", c.name());
      col.put("type", c.type());
      col.put("pk", c.pk());
      col.put("notNull", c.notNull());
      c.defaultValue().ifPresent(v -> col.set("default", toJson(v)));
      c.defaultSql().ifPresent(sql -> col.put("defaultSql", sql));
      c.previousName().ifPresent(p -> col.put("previousName", p));
    }
    s.previousName().ifPresent(p -> o.put("previousName", p));
    return o;
  }

  /** One value in the JSON value encoding. */
  public static JsonNode toJson(Value value) {
    if (value instanceof IntegerValue i) {
      return NODES.numberNode(i.value());
    } else if (value instanceof RealValue r) {
      double d = r.value();
      if (Double.isFinite(d)) {
        return NODES.numberNode(d);
      }
      ObjectNode o = NODES.objectNode();
      o.put("real", Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
      return o;
    } else if (value instanceof TextValue t) {
      return NODES.textNode(t.value());
    } else if (value instanceof BlobValue b) {
      ObjectNode o = NODES.objectNode();
      o.put("base64", Base64.getEncoder().encodeToString(b.value()));
      return o;
    }
    return NODES.nullNode();
  }

  /**
   * Reads back an array written by {@link #toJson(ChangeSet)}.
   *
   * @throws ChangeFormatException if the JSON does not follow the format (the message names the
   *     change index and field)
   */
  public static ChangeSet fromJson(JsonNode array) throws ChangeFormatException {
    if (!array.isArray()) {
      throw error("changes", "expected an array");
    }
    List<SchemaChange> schema = new ArrayList<>();
    List<RowChange> rows = new ArrayList<>();
    for (int i = 0; i < array.size(); i++) {
      String at = "changes[" + i + "]";
      JsonNode c = array.get(i);
      String op = text(c, "op", at);
      Optional<Op> rowOp = rowOp(op);
      if (rowOp.isPresent()) {
        rows.add(rowFromJson(c, rowOp.get(), at));
      } else {
        if (!rows.isEmpty()) {
          throw error(at, "schema change after a row change");
        }
        schema.add(schemaFromJson(c, schemaOp(op, at), at));
      }
    }
    return new ChangeSet(schema, rows);
  }

  private static RowChange rowFromJson(JsonNode c, Op op, String at) throws ChangeFormatException {
    JsonNode rowid = c.get("rowid");
    OptionalLong id = OptionalLong.empty();
    if (rowid != null) {
      if (!rowid.isIntegralNumber() || !rowid.canConvertToLong()) {
        throw error(at + ".rowid", "expected a 64-bit integer");
      }
      id = OptionalLong.of(rowid.longValue());
    }
    try {
      return new RowChange(text(c, "table", at), op, id, rowFromJson(c.get("key"), at + ".key"),
          rowFromJson(c.get("before"), at + ".before"), rowFromJson(c.get("after"), at + ".after"));
    } catch (IllegalArgumentException e) {
      throw error(at, e.getMessage());
    }
  }

  private static Map<String, Value> rowFromJson(JsonNode node, String at) throws ChangeFormatException {
    Map<String, Value> row = new LinkedHashMap<>();
    if (node == null || node.isNull()) {
      return row;
    }
    if (!node.isObject()) {
      throw error(at, "expected an object or null");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      row.put(e.getKey(), valueFromJson(e.getValue(), at + "." + e.getKey()));
    }
    return row;
  }

  private static SchemaChange schemaFromJson(JsonNode c, SchemaOp op, String at)
      throws ChangeFormatException {
    JsonNode columns = c.get("columns");
    if (columns == null || !columns.isArray()) {
      throw error(at + ".columns", "expected an array");
    }
    List<Column> cols = new ArrayList<>();
    for (int i = 0; i < columns.size(); i++) {
      String cat = at + ".columns[" + i + "]";
      JsonNode col = columns.get(i);
      JsonNode pk = col.get("pk");
      JsonNode notNull = col.get("notNull");
      if (pk == null || !pk.canConvertToInt() || !pk.isIntegralNumber() || pk.intValue() < 0) {
        throw error(cat + ".pk", "expected a non-negative integer");
      }
      if (notNull == null || !notNull.isBoolean()) {
        throw error(cat + ".notNull", "expected a boolean");
      }
      Optional<Value> dflt = col.has("default")
          ? Optional.of(valueFromJson(col.get("default"), cat + ".default"))
          : Optional.empty();
      cols.add(new Column(text(col, "name", cat), text(col, "type", cat), pk.intValue(),
          notNull.booleanValue(), optionalText(col, "defaultSql", cat), dflt,
          optionalText(col, "previousName", cat)));
    }
    return new SchemaChange(text(c, "table", at), op, text(c, "sql", at), cols,
        optionalText(c, "previousName", at));
  }

  /**
   * Reads one value in the JSON value encoding.
   *
   * @throws ChangeFormatException if {@code node} is not a value encoding
   */
  public static Value valueFromJson(JsonNode node, String at) throws ChangeFormatException {
    if (node == null || node.isNull()) {
      return NullValue.INSTANCE;
    } else if (node.isTextual()) {
      return new TextValue(node.textValue());
    } else if (node.isIntegralNumber()) {
      if (!node.canConvertToLong()) {
        throw error(at, "integer outside 64 bits");
      }
      return new IntegerValue(node.longValue());
    } else if (node.isNumber()) {
      return new RealValue(node.doubleValue());
    } else if (node.isObject() && node.size() == 1 && node.get("base64") != null) {
      JsonNode b64 = node.get("base64");
      try {
        if (!b64.isTextual()) {
          throw new IllegalArgumentException("not a string");
        }
        return new BlobValue(Base64.getDecoder().decode(b64.textValue()));
      } catch (IllegalArgumentException e) {
        throw error(at, "bad base64: " + e.getMessage());
      }
    } else if (node.isObject() && node.size() == 1 && node.get("real") != null) {
      String r = node.get("real").asText();
      switch (r) {
        case "NaN":
          return new RealValue(Double.NaN);
        case "Infinity":
          return new RealValue(Double.POSITIVE_INFINITY);
        case "-Infinity":
          return new RealValue(Double.NEGATIVE_INFINITY);
        default:
          throw error(at, "expected NaN, Infinity or -Infinity, found " + r);
      }
    }
    throw error(at, "not a value: " + node);
  }

  private static Optional<Op> rowOp(String op) {
    for (Op o : Op.values()) {
      if (o.jsonName().equals(op)) {
        return Optional.of(o);
      }
    }
    return Optional.empty();
  }

  private static SchemaOp schemaOp(String op, String at) throws ChangeFormatException {
    for (SchemaOp o : SchemaOp.values()) {
      if (o.jsonName().equals(op)) {
        return o;
      }
    }
    throw error(at + ".op", "unknown op " + op);
  }

  private static String text(JsonNode node, String field, String at) throws ChangeFormatException {
    JsonNode f = node.get(field);
    if (f == null || !f.isTextual()) {
      throw error(at + "." + field, "expected a string");
    }
    return f.textValue();
  }

  private static Optional<String> optionalText(JsonNode node, String field, String at)
      throws ChangeFormatException {
    return node.has(field) ? Optional.of(text(node, field, at)) : Optional.empty();
  }

  private static ChangeFormatException error(String at, String message) {
    return new ChangeFormatException(-1, at + ": " + message);
  }
}
