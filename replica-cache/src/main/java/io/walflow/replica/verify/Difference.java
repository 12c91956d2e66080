package io.walflow.replica.verify;

import io.walflow.ingest.change.ChangeJson;
import io.walflow.ingest.change.Value;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One disagreement between a replica and its source: a row (by table and key) or a whole table
 * that one side has and the other does not, or a row both have with different values.
 *
 * @param key the row's key (rowid, or primary-key values); empty for a table-level difference
 * @param source the source's row, when it has one
 * @param replica the replica's row, when it has one
 */
public record Difference(
    Kind kind, String table, List<Value> key, Optional<Map<String, Value>> source, Optional<Map<String, Value>> replica) {

  /** What kind of disagreement. */
  public enum Kind {
    /** The source has the row, the replica does not. */
    MISSING_ROW,
    /** The replica has a row the source does not. */
    EXTRA_ROW,
    /** Both have the row under the same key, with different values. */
    DIFFERENT_ROW,
    /** The source has the table, the replica does not. */
    MISSING_TABLE,
    /** The replica has a table the source does not. */
    EXTRA_TABLE
  }

  public Difference {
    key = List.copyOf(key);
  }

  /** The key as JSON: one value for a rowid or a one-column key, else an array of the values. */
  public String keyText() {
    if (key.size() == 1) {
      return ChangeJson.toJson(key.get(0)).toString();
    }
    return key.stream().map(v -> ChangeJson.toJson(v).toString()).collect(Collectors.joining(",", "[", "]"));
  }

  /** One line for people: what differs, where, and both sides' values. */
  public String describe() {
    return switch (kind) {
      case MISSING_ROW -> "missing   " + table + " key " + keyText() + ": source " + json(source);
      case EXTRA_ROW -> "extra     " + table + " key " + keyText() + ": replica " + json(replica);
      case DIFFERENT_ROW -> "different " + table + " key " + keyText() + ": source " + json(source) + " replica " + json(replica);
      case MISSING_TABLE -> "missing   table " + table + " (the replica does not hold it)";
      case EXTRA_TABLE -> "extra     table " + table + " (the source does not have it)";
    };
  }

  private static String json(Optional<Map<String, Value>> row) {
    return row.map(r -> r.entrySet().stream()
        .map(e -> ChangeJson.toJson(Value.of(e.getKey())) + ":" + ChangeJson.toJson(e.getValue()))
        .collect(Collectors.joining(",", "{", "}"))).orElse("none");
  }
}
