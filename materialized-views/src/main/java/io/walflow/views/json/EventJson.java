package io.walflow.views.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.walflow.ingest.change.ChangeFormatException;
import io.walflow.ingest.change.ChangeJson;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.RealValue;
import io.walflow.ingest.change.TextValue;
import io.walflow.ingest.change.Value;
import io.walflow.views.ViewEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON form of view events and results, as the HTTP API sends them (documented in {@code
 * docs/http-api.md}); values are encoded as in {@code docs/change-events.md} ({@link ChangeJson}).
 *
 * <ul>
 *   <li>snapshot / lookup result: {@code {"lsn":N,"columns":[…],"rows":[[…],…]}}, plus {@code
 *       "resync":true} for a resync snapshot;
 *   <li>delta: {@code {"lsn":N,"insert":[[…],…],"delete":[[…],…]}};
 *   <li>progress: {@code {"lsn":N}}.
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class EventJson {
  /** Shared mapper (thread-safe once configured). */
  public static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonFactory FACTORY = MAPPER.getFactory();

  private EventJson() {}

  /** The event's name: {@code snapshot}, {@code delta} or {@code progress}. */
  public static String type(ViewEvent e) {
    if (e instanceof ViewEvent.Snapshot) {
      return "snapshot";
    }
    return e instanceof ViewEvent.Delta ? "delta" : "progress";
  }

  /** The event's data as compact UTF-8 JSON (no line breaks). */
  public static byte[] data(ViewEvent e) {
    if (e instanceof ViewEvent.Snapshot s) {
      return result(s.lsn(), s.columns(), s.rows(), s.resync());
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("lsn", e.lsn());
      if (e instanceof ViewEvent.Delta d) {
        g.writeFieldName("insert");
        writeRows(g, d.inserted());
        g.writeFieldName("delete");
        writeRows(g, d.deleted());
      }
      g.writeEndObject();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return out.toByteArray();
  }

  /** A lookup result or snapshot: {@code {"lsn":N,"columns":[…],"rows":[…]}} (+ {@code "resync":true}). */
  public static byte[] result(long lsn, List<String> columns, List<List<Value>> rows, boolean resync) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + rows.size() * 32);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      writeResult(g, lsn, columns, rows, resync);
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
    return out.toByteArray();
  }

  /** {@link #result(long, List, List, boolean)} appended to {@code out}, without an intermediate copy. */
  public static void result(ByteBuf out, long lsn, List<String> columns, List<List<Value>> rows, boolean resync) {
    try (JsonGenerator g = FACTORY.createGenerator((OutputStream) new ByteBufOutputStream(out))) {
      writeResult(g, lsn, columns, rows, resync);
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  private static void writeResult(JsonGenerator g, long lsn, List<String> columns, List<List<Value>> rows,
      boolean resync) throws IOException {
    g.writeStartObject();
    g.writeNumberField("lsn", lsn);
    g.writeArrayFieldStart("columns");
    for (String c : columns) {
      g.writeString(c);
    }
    g.writeEndArray();
    g.writeFieldName("rows");
    writeRows(g, rows);
    if (resync) {
      g.writeBooleanField("resync", true);
    }
    g.writeEndObject();
  }

  private static void writeRows(JsonGenerator g, List<List<Value>> rows) throws IOException {
    g.writeStartArray();
    for (List<Value> row : rows) {
      g.writeStartArray();
      for (Value v : row) {
        writeValue(g, v);
      }
      g.writeEndArray();
    }
    g.writeEndArray();
  }

  /** One value as {@link ChangeJson#toJson(Value)} writes it, streamed without a tree node. */
  private static void writeValue(JsonGenerator g, Value value) throws IOException {
    if (value instanceof IntegerValue i) {
      g.writeNumber(i.value());
    } else if (value instanceof RealValue r && Double.isFinite(r.value())) {
      g.writeNumber(r.value());
    } else if (value instanceof TextValue t) {
      g.writeString(t.value());
    } else {
      g.writeTree(ChangeJson.toJson(value));
    }
  }

  /**
   * Reads an event back from its name and data.
   *
   * @throws ChangeFormatException when the data does not follow the format (the message says where)
   */
  public static ViewEvent parse(String type, String data) throws ChangeFormatException {
    JsonNode node;
    try {
      node = MAPPER.readTree(data);
    } catch (IOException e) {
      throw new ChangeFormatException(-1, type + " event: not JSON: " + e.getMessage());
    }
    if (node == null || !node.isObject()) {
      throw new ChangeFormatException(-1, type + " event: expected a JSON object");
    }
    long lsn = lsn(node, type);
    switch (type) {
      case "snapshot": {
        JsonNode cols = node.get("columns");
        if (cols == null || !cols.isArray()) {
          throw new ChangeFormatException(-1, "snapshot.columns: expected an array");
        }
        List<String> columns = new ArrayList<>();
        cols.forEach(c -> columns.add(c.asText()));
        JsonNode resync = node.get("resync");
        return new ViewEvent.Snapshot(lsn, columns, rows(node.get("rows"), "snapshot.rows"),
            resync != null && resync.asBoolean());
      }
      case "delta":
        return new ViewEvent.Delta(lsn, rows(node.get("insert"), "delta.insert"), rows(node.get("delete"), "delta.delete"));
      case "progress":
        return new ViewEvent.Progress(lsn);
      default:
        throw new ChangeFormatException(-1, "unknown event '" + type + "'");
    }
  }

  /** The {@code "lsn"} field of an event or result. */
  public static long lsn(JsonNode node, String at) throws ChangeFormatException {
    JsonNode lsn = node.get("lsn");
    if (lsn == null || !lsn.isIntegralNumber() || !lsn.canConvertToLong()) {
      throw new ChangeFormatException(-1, at + ".lsn: expected a 64-bit integer");
    }
    return lsn.longValue();
  }

  /** Rows in the value encoding: an array of arrays. */
  public static List<List<Value>> rows(JsonNode node, String at) throws ChangeFormatException {
    if (node == null || !node.isArray()) {
      throw new ChangeFormatException(-1, at + ": expected an array of rows");
    }
    List<List<Value>> rows = new ArrayList<>(node.size());
    for (int i = 0; i < node.size(); i++) {
      JsonNode r = node.get(i);
      if (!r.isArray()) {
        throw new ChangeFormatException(-1, at + "[" + i + "]: expected an array of values");
      }
      List<Value> row = new ArrayList<>(r.size());
      for (int j = 0; j < r.size(); j++) {
        row.add(ChangeJson.valueFromJson(r.get(j), at + "[" + i + "][" + j + "]"));
      }
      rows.add(row);
    }
    return rows;
  }
}
