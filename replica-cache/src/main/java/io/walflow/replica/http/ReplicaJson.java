package io.walflow.replica.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.walflow.ingest.change.ChangeFormatException;
import io.walflow.ingest.change.ChangeJson;
import io.walflow.ingest.change.Value;
import io.walflow.replica.ApplyState;
import io.walflow.replica.DatabaseStatus;
import io.walflow.replica.PointRead;
import io.walflow.replica.RangeRead;
import io.walflow.replica.DivergenceStats;
import io.walflow.replica.RepairStats;
import io.walflow.replica.ReplicaStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON bodies of the replica's HTTP API, both ways (the server writes them, {@code
 * ReplicaClient} reads them). Values are encoded as in {@code docs/change-events.md}.
 */
public final class ReplicaJson {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private ReplicaJson() {}

  /** {@code {"lsn":123,"row":{…}|null}} */
  public static ObjectNode point(PointRead read) {
    ObjectNode o = NODES.objectNode();
    o.put("lsn", read.lsn());
    o.set("row", read.row().<JsonNode>map(ReplicaJson::row).orElse(NODES.nullNode()));
    return o;
  }

  /** {@code {"lsn":123,"rows":[{…}],"keys":[[…]],"next":"CURSOR"|null}} */
  public static ObjectNode range(RangeRead read) {
    ObjectNode o = NODES.objectNode();
    o.put("lsn", read.lsn());
    var rows = o.putArray("rows");
    read.rows().forEach(r -> rows.add(row(r)));
    var keys = o.putArray("keys");
    for (List<Value> k : read.keys()) {
      var key = keys.addArray();
      k.forEach(v -> key.add(ChangeJson.toJson(v)));
    }
    if (read.next().isPresent()) {
      o.put("next", read.next().get());
    } else {
      o.putNull("next");
    }
    return o;
  }

  static ObjectNode row(Map<String, Value> row) {
    ObjectNode o = NODES.objectNode();
    row.forEach((k, v) -> o.set(k, ChangeJson.toJson(v)));
    return o;
  }

  /** The status document of {@code GET /v1/status}. */
  public static ObjectNode status(ReplicaStatus s) {
    ObjectNode o = NODES.objectNode();
    o.put("region", s.region());
    o.put("source", s.source());
    ObjectNode dbs = o.putObject("databases");
    s.databases().forEach((name, d) -> {
      ObjectNode x = dbs.putObject(name);
      x.put("lsn", d.lsn());
      x.put("lagLsns", d.lagLsns());
      x.put("lagMs", d.lagMs());
      x.put("newestLsn", d.newestLsn());
      x.put("state", d.state().name().toLowerCase(Locale.ROOT));
      d.reason().ifPresent(r -> x.put("reason", r));
      d.committedAt().ifPresent(t -> x.put("committedAt", t.toString()));
      x.put("tables", d.tables());
      x.put("snapshotLsn", d.snapshotLsn());
      ObjectNode rep = x.putObject("repair");
      rep.put("gapsRepaired", d.repair().gapsRepaired());
      rep.put("resnapshots", d.repair().resnapshots());
      rep.put("entriesFetched", d.repair().entriesFetched());
      rep.put("bytesFetched", d.repair().bytesFetched());
      rep.put("failures", d.repair().failures());
      DivergenceStats v = d.divergence();
      ObjectNode div = x.putObject("divergence");
      div.put("digestsCompared", v.digestsCompared());
      div.put("bucketsCompared", v.bucketsCompared());
      div.put("bucketsDiverged", v.bucketsDiverged());
      div.put("bucketsRepaired", v.bucketsRepaired());
      div.put("rowsRepaired", v.rowsRepaired());
      div.put("bytesMoved", v.bytesMoved());
      div.put("scrubs", v.scrubs());
      div.put("ignored", v.ignored());
      div.put("failures", v.failures());
      v.lastProblem().ifPresent(p -> div.put("lastProblem", p));
    });
    ObjectNode cache = o.putObject("cache");
    cache.put("hits", s.cacheHits());
    cache.put("misses", s.cacheMisses());
    cache.put("hitRate", s.cacheHitRate());
    o.put("bytesOnDisk", s.bytesOnDisk());
    return o;
  }

  /** Reads {@link #status}. */
  public static ReplicaStatus status(JsonNode o) {
    Map<String, DatabaseStatus> dbs = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = o.required("databases").fields();
    while (it.hasNext()) {
      var e = it.next();
      JsonNode d = e.getValue();
      dbs.put(e.getKey(), new DatabaseStatus(e.getKey(), d.required("lsn").asLong(),
          Optional.ofNullable(d.get("committedAt")).map(t -> Instant.parse(t.asText())),
          d.required("newestLsn").asLong(), d.required("lagLsns").asLong(), d.required("lagMs").asLong(),
          ApplyState.valueOf(d.required("state").asText().toUpperCase(Locale.ROOT)),
          Optional.ofNullable(d.get("reason")).map(JsonNode::asText), d.required("tables").asInt(),
          d.required("snapshotLsn").asLong(), repair(d.path("repair")), divergence(d.path("divergence"))));
    }
    JsonNode cache = o.required("cache");
    return new ReplicaStatus(o.required("region").asText(), o.required("source").asText(), dbs,
        cache.required("hits").asLong(), cache.required("misses").asLong(), cache.required("hitRate").asDouble(),
        o.required("bytesOnDisk").asLong());
  }

  private static RepairStats repair(JsonNode r) {
    return new RepairStats(r.path("gapsRepaired").asLong(0), r.path("resnapshots").asLong(0),
        r.path("entriesFetched").asLong(0), r.path("bytesFetched").asLong(0), r.path("failures").asLong(0));
  }

  private static DivergenceStats divergence(JsonNode v) {
    return new DivergenceStats(v.path("digestsCompared").asLong(0), v.path("bucketsCompared").asLong(0),
        v.path("bucketsDiverged").asLong(0), v.path("bucketsRepaired").asLong(0), v.path("rowsRepaired").asLong(0),
        v.path("bytesMoved").asLong(0), v.path("scrubs").asLong(0), v.path("ignored").asLong(0),
        v.path("failures").asLong(0), Optional.ofNullable(v.get("lastProblem")).map(JsonNode::asText));
  }

  /** Reads {@link #point}. */
  public static PointRead point(JsonNode o) throws ChangeFormatException {
    JsonNode row = o.required("row");
    return new PointRead(o.required("lsn").asLong(), row.isNull() ? Optional.empty() : Optional.of(row(row)));
  }

  /** Reads {@link #range}. */
  public static RangeRead range(JsonNode o) throws ChangeFormatException {
    List<Map<String, Value>> rows = new ArrayList<>();
    for (JsonNode r : o.required("rows")) {
      rows.add(row(r));
    }
    List<List<Value>> keys = new ArrayList<>();
    int i = 0;
    for (JsonNode k : o.required("keys")) {
      List<Value> key = new ArrayList<>();
      int j = 0;
      for (JsonNode v : k) {
        key.add(ChangeJson.valueFromJson(v, "keys[" + i + "][" + j++ + "]"));
      }
      keys.add(key);
      i++;
    }
    if (keys.size() != rows.size()) {
      throw new ChangeFormatException(-1, rows.size() + " rows but " + keys.size() + " keys in a range answer");
    }
    JsonNode next = o.required("next");
    return new RangeRead(o.required("lsn").asLong(), rows, keys, next.isNull() ? Optional.empty() : Optional.of(next.asText()));
  }

  private static Map<String, Value> row(JsonNode r) throws ChangeFormatException {
    Map<String, Value> row = new LinkedHashMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = r.fields();
    while (it.hasNext()) {
      var e = it.next();
      row.put(e.getKey(), ChangeJson.valueFromJson(e.getValue(), "row." + e.getKey()));
    }
    return row;
  }
}
