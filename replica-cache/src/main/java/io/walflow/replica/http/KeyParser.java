package io.walflow.replica.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.walflow.ingest.change.ChangeFormatException;
import io.walflow.ingest.change.ChangeJson;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.RealValue;
import io.walflow.ingest.change.TextValue;
import io.walflow.ingest.change.Value;
import io.walflow.replica.BadReadException;
import io.walflow.replica.store.TableSchema;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the key segment of {@code /v1/replica/{db}/{table}/{key}}: a JSON array for a composite
 * key, otherwise one value. A value is read as JSON when it is JSON ({@code 5}, {@code 1.5},
 * {@code "5"}, {@code {"base64":"AQ=="}}, {@code null}), else as text ({@code ann}). A number given
 * for a TEXT-affinity key column is taken as its text, as SQLite would store it.
 */
final class KeyParser {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private KeyParser() {}

  /**
   * @param types the declared types of the key columns ({@code INTEGER} for a rowid)
   * @throws BadReadException naming the problem
   */
  static List<Value> parse(String segment, List<String> types) {
    if (segment.isEmpty()) {
      throw new BadReadException("empty key");
    }
    List<Value> values = new ArrayList<>();
    List<String> raw = new ArrayList<>();
    if (segment.startsWith("[")) {
      JsonNode array;
      try {
        array = JSON.readTree(segment);
      } catch (JsonProcessingException e) {
        throw new BadReadException("key " + segment + " is not a JSON array: " + e.getOriginalMessage());
      }
      if (array == null || !array.isArray()) {
        throw new BadReadException("key " + segment + " is not a JSON array");
      }
      for (int i = 0; i < array.size(); i++) {
        values.add(value(array.get(i), "key[" + i + "]"));
        raw.add(array.get(i).isNumber() ? array.get(i).asText() : null);
      }
    } else {
      JsonNode node = null;
      try {
        node = JSON.readTree(segment);
      } catch (JsonProcessingException e) {
        node = null; // not JSON: plain text
      }
      if (node == null || node.isMissingNode() || node.isArray() || (node.isObject() && !node.has("base64"))) {
        values.add(Value.of(segment));
        raw.add(null);
      } else {
        values.add(value(node, "key"));
        raw.add(node.isNumber() ? segment : null);
      }
    }
    if (values.size() != types.size()) {
      throw new BadReadException("the key has " + types.size() + " column(s), " + values.size() + " value(s) given: " + segment);
    }
    for (int i = 0; i < values.size(); i++) {
      Value v = values.get(i);
      if (raw.get(i) != null && (v instanceof IntegerValue || v instanceof RealValue)
          && TableSchema.affinity(types.get(i)).equals("TEXT")) {
        values.set(i, new TextValue(raw.get(i)));
      }
    }
    return values;
  }

  private static Value value(JsonNode node, String at) {
    try {
      return ChangeJson.valueFromJson(node, at);
    } catch (ChangeFormatException e) {
      throw new BadReadException("malformed key value: " + e.getMessage());
    }
  }
}
