package io.walflow.ingest.change;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Round trips and golden bytes of {@link ChangeCodec} and {@link ChangeJson}. */
class ChangeCodecTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  static ChangeSet sample() {
    Map<String, Value> before = new LinkedHashMap<>();
    before.put("id", Value.of(5));
    before.put("v", Value.of("a"));
    before.put("big", Value.of(Long.MAX_VALUE));
    before.put("r", Value.of(Double.NaN));
    before.put("b", Value.of(new byte[] {0, -1, 2}));
    before.put("n", Value.ofNull());
    Map<String, Value> after = new LinkedHashMap<>(before);
    after.put("v", Value.of("b — ünïcødé 😀"));
    after.put("r", Value.of(Double.NEGATIVE_INFINITY));
    after.put("big", Value.of((1L << 53) + 1));
    after.put("neg0", Value.of(-0.0));
    before.put("neg0", Value.of(1e300));
    Column id = new Column("id", "INTEGER", 1, false, Optional.empty(), Optional.of(NullValue.INSTANCE), Optional.empty());
    Column v = new Column("v", "TEXT", 0, true, Optional.of("'x'"), Optional.of(Value.of("x")), Optional.of("old_v"));
    Column ts = new Column("ts", "", 0, false, Optional.of("CURRENT_TIMESTAMP"), Optional.empty(), Optional.empty());
    return new ChangeSet(
        List.of(new SchemaChange("t", SchemaOp.ALTER_TABLE, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL DEFAULT 'x', ts DEFAULT CURRENT_TIMESTAMP)",
                List.of(id, v, ts), Optional.of("old")),
            new SchemaChange("ix", SchemaOp.DROP_INDEX, "CREATE INDEX ix ON t(v)", List.of(), Optional.empty())),
        List.of(new RowChange("t", Op.UPDATE, OptionalLong.of(5), Map.of("id", Value.of(5)), before, after),
            new RowChange("w", Op.DELETE, OptionalLong.empty(), Map.of("k", Value.of(Long.MIN_VALUE)), Map.of("k", Value.of(Long.MIN_VALUE)), Map.of()),
            new RowChange("t", Op.INSERT, OptionalLong.of(-3), Map.of("rowid", Value.of(-3)), Map.of(), Map.of("x", Value.of(new byte[0])))));
  }

  @Test
  void binary_roundTrips() throws Exception {
    ChangeSet s = sample();
    assertThat(ChangeCodec.decode(ChangeCodec.encode(s))).isEqualTo(s);
    assertThat(ChangeCodec.decode(ChangeCodec.encode(ChangeSet.EMPTY))).isEqualTo(ChangeSet.EMPTY);
  }

  @Test
  void binary_goldenBytes() throws Exception {
    ChangeSet s = new ChangeSet(List.of(), List.of(new RowChange("t", Op.INSERT, OptionalLong.of(5),
        Map.of("id", Value.of(5)), Map.of(), Map.of("id", Value.of(5)))));
    // version 1; 2 names "t","id"; 0 schema changes; 1 row: op insert|rowid, table 0, rowid zigzag(5)=10,
    // key {1: int 10}, before {}, after {1: int 10}
    String golden = "01" + "02" + "0174" + "026964" + "00" + "01" + "80" + "00" + "0a" + "01" + "01" + "01" + "0a"
        + "00" + "01" + "01" + "01" + "0a";
    assertThat(HexFormat.of().formatHex(ChangeCodec.encode(s))).isEqualTo(golden);
    assertThat(ChangeCodec.decode(HexFormat.of().parseHex(golden))).isEqualTo(s);
  }

  @Test
  void binary_everyTruncationAndFlip_isFormatErrorOrValue() {
    byte[] good = ChangeCodec.encode(sample());
    for (int n = 0; n < good.length; n++) {
      byte[] cut = Arrays.copyOf(good, n);
      assertThatThrownBy(() -> ChangeCodec.decode(cut)).isInstanceOf(ChangeFormatException.class);
    }
    Random rnd = new Random(1);
    for (int i = 0; i < 20_000; i++) {
      byte[] bad = good.clone();
      bad[rnd.nextInt(bad.length)] = (byte) rnd.nextInt(256);
      try {
        ChangeCodec.decode(bad);
      } catch (ChangeFormatException expected) {
        assertThat(expected.offset()).isBetween(0L, (long) bad.length);
      }
    }
  }

  @Test
  void binary_hugeLength_isRejectedWithoutAllocating() {
    byte[] bomb = HexFormat.of().parseHex("01" + "ffffffffffffffff7f");
    assertThatThrownBy(() -> ChangeCodec.decode(bomb)).isInstanceOf(ChangeFormatException.class)
        .hasMessageContaining("exceeds");
  }

  @Test
  void binary_unknownVersion_isRejected() {
    assertThatThrownBy(() -> ChangeCodec.decode(new byte[] {2, 0, 0, 0}))
        .isInstanceOf(ChangeFormatException.class).hasMessageContaining("version 2");
  }

  @Test
  void json_roundTripsThroughText() throws Exception {
    ChangeSet s = sample();
    String text = JSON.writeValueAsString(ChangeJson.toJson(s));
    assertThat(ChangeJson.fromJson(JSON.readTree(text))).isEqualTo(s);
  }

  @Test
  void json_matchesTheDocumentedShape() throws Exception {
    ChangeSet s = new ChangeSet(List.of(), List.of(new RowChange("t", Op.UPDATE, OptionalLong.of(5),
        Map.of("id", Value.of(5)), row("a", 1.0), row("b", 1e20))));
    assertThat(JSON.writeValueAsString(ChangeJson.toJson(s))).isEqualTo(
        "[{\"table\":\"t\",\"op\":\"update\",\"rowid\":5,\"key\":{\"id\":5},"
            + "\"before\":{\"id\":5,\"v\":\"a\",\"r\":1.0},\"after\":{\"id\":5,\"v\":\"b\",\"r\":1.0E20}}]");
  }

  @Test
  void json_values_areExactAndTyped() throws Exception {
    assertThat(JSON.writeValueAsString(ChangeJson.toJson(Value.of(Long.MAX_VALUE)))).isEqualTo("9223372036854775807");
    assertThat(JSON.writeValueAsString(ChangeJson.toJson(Value.of(3.0)))).isEqualTo("3.0");
    assertThat(JSON.writeValueAsString(ChangeJson.toJson(Value.of(Double.POSITIVE_INFINITY)))).isEqualTo("{\"real\":\"Infinity\"}");
    assertThat(JSON.writeValueAsString(ChangeJson.toJson(Value.of(new byte[] {1, 2, 3})))).isEqualTo("{\"base64\":\"AQID\"}");
    assertThat(JSON.writeValueAsString(ChangeJson.toJson(Value.ofNull()))).isEqualTo("null");
    JsonNode big = JSON.readTree("18446744073709551616");
    assertThatThrownBy(() -> ChangeJson.valueFromJson(big, "x")).isInstanceOf(ChangeFormatException.class);
  }

  @Test
  void blobValue_isImmutable() {
    byte[] raw = {1, 2};
    BlobValue b = new BlobValue(raw);
    raw[0] = 9;
    b.value()[1] = 9;
    assertThat(b).isEqualTo(new BlobValue(new byte[] {1, 2}));
    assertThat(b.hashCode()).isEqualTo(new BlobValue(new byte[] {1, 2}).hashCode());
  }

  @Test
  void rowChange_rejectsInconsistentSides() {
    assertThatThrownBy(() -> new RowChange("t", Op.INSERT, OptionalLong.empty(), Map.of("k", Value.of(1)),
        Map.of("k", Value.of(1)), Map.of("k", Value.of(1)))).isInstanceOf(IllegalArgumentException.class);
  }

  private static Map<String, Value> row(String v, double r) {
    Map<String, Value> m = new LinkedHashMap<>();
    m.put("id", Value.of(5));
    m.put("v", Value.of(v));
    m.put("r", Value.of(r));
    return m;
  }
}
