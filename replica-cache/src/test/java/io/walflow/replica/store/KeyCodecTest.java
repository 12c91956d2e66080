package io.walflow.replica.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walflow.ingest.capture.SqliteOracle;
import io.walflow.ingest.change.Value;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Key order is SQLite's order (SQLite is the oracle), the format is pinned, and bad keys are named. */
class KeyCodecTest {
  @TempDir Path dir;

  private static Value randomValue(Random r) {
    return switch (r.nextInt(9)) {
      case 0 -> Value.ofNull();
      case 1 -> Value.of((long) r.nextInt(2000) - 1000);
      case 2 -> Value.of(r.nextLong());
      case 3 -> Value.of((1L << 53) + r.nextInt(5) - 2); // integers a double cannot tell apart
      case 4 -> Value.of(r.nextBoolean() ? Long.MAX_VALUE - r.nextInt(3) : Long.MIN_VALUE + r.nextInt(3));
      case 5 -> Value.of(r.nextInt(4) == 0 ? (double) (r.nextInt(20) - 10) : (r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(40) - 10));
      case 6 -> Value.of((double) (1L << 53) + (r.nextBoolean() ? 2.0 : 0.0));
      case 7 -> {
        StringBuilder s = new StringBuilder();
        for (int i = r.nextInt(4); i > 0; i--) {
          s.append("\u0000a\u00e9\uD83D\uDE00b".charAt(r.nextInt(6)));
        }
        yield Value.of(s.toString().replace("\uD83D", "x").replace("\uDE00", "y"));
      }
      default -> {
        byte[] b = new byte[r.nextInt(4)];
        for (int i = 0; i < b.length; i++) {
          b[i] = (byte) new int[] {0, 1, 0x7f, 0x80, 0xff}[r.nextInt(5)];
        }
        yield Value.of(b);
      }
    };
  }

  @Test
  void encodedOrder_isSqliteOrder_forCompositeKeysOfEveryStorageClass() throws Exception {
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    Random r = new Random(seed);
    try (Connection c = SqliteOracle.open(dir.resolve("order.db")); Statement st = c.createStatement()) {
      // No declared types: values keep their storage class, as in a replicated table.
      st.execute("CREATE TABLE k(a, b, PRIMARY KEY(a, b)) WITHOUT ROWID");
      c.setAutoCommit(false);
      try (PreparedStatement ins = c.prepareStatement("INSERT OR IGNORE INTO k VALUES (?, ?)")) {
        for (int i = 0; i < 3000; i++) {
          bind(ins, 1, randomValue(r));
          bind(ins, 2, randomValue(r));
          ins.executeUpdate();
        }
      }
      c.commit();
      List<byte[]> sqliteOrder = new ArrayList<>();
      try (ResultSet rs = st.executeQuery("SELECT a, b FROM k ORDER BY a, b")) {
        while (rs.next()) {
          sqliteOrder.add(KeyCodec.values(List.of(value(rs.getObject(1)), value(rs.getObject(2)))));
        }
      }
      List<byte[]> sorted = new ArrayList<>(sqliteOrder);
      sorted.sort(Arrays::compareUnsigned);
      for (int i = 0; i < sorted.size(); i++) {
        assertThat(HexFormat.of().formatHex(sorted.get(i))).as("position %d (seed %d)", i, seed)
            .isEqualTo(HexFormat.of().formatHex(sqliteOrder.get(i)));
        KeyCodec.check(sorted.get(i), 2);
      }
    }
  }

  private static void bind(PreparedStatement p, int i, Value v) throws Exception {
    if (v instanceof io.walflow.ingest.change.IntegerValue x) {
      p.setLong(i, x.value());
    } else if (v instanceof io.walflow.ingest.change.RealValue x) {
      p.setDouble(i, x.value());
    } else if (v instanceof io.walflow.ingest.change.TextValue x) {
      p.setString(i, x.value());
    } else if (v instanceof io.walflow.ingest.change.BlobValue x) {
      p.setBytes(i, x.value());
    } else {
      p.setNull(i, java.sql.Types.NULL);
    }
  }

  private static Value value(Object o) {
    if (o == null) {
      return Value.ofNull();
    } else if (o instanceof Integer i) {
      return Value.of(i.longValue());
    } else if (o instanceof Long l) {
      return Value.of(l);
    } else if (o instanceof Double d) {
      return Value.of(d);
    } else if (o instanceof String s) {
      return Value.of(s);
    }
    return Value.of((byte[]) o);
  }

  @Test
  void format_isPinned() {
    assertThat(HexFormat.of().formatHex(KeyCodec.rowid(5))).isEqualTo("8000000000000005");
    assertThat(HexFormat.of().formatHex(KeyCodec.rowid(-1))).isEqualTo("7fffffffffffffff");
    assertThat(HexFormat.of().formatHex(KeyCodec.values(List.of(Value.ofNull(), Value.of(1), Value.of("a\u0000"),
        Value.of(new byte[] {2})))))
        .isEqualTo("10" + "20" + "bff0000000000000" + "8000000000000000" + "30" + "6100ff" + "0001" + "40" + "02" + "0001");
  }

  @Test
  void check_namesWhatIsWrong() {
    assertThatThrownBy(() -> KeyCodec.check(new byte[] {0x20, 1}, 1)).hasMessageContaining("needs 16 bytes");
    assertThatThrownBy(() -> KeyCodec.check(new byte[] {0x30, 'a'}, 1)).hasMessageContaining("unterminated");
    assertThatThrownBy(() -> KeyCodec.check(new byte[] {0x55}, 1)).hasMessageContaining("unknown value tag 0x55");
    assertThatThrownBy(() -> KeyCodec.check(new byte[] {0x10, 0x10}, 1)).hasMessageContaining("1 trailing bytes");
    assertThatThrownBy(() -> KeyCodec.check(new byte[] {0x30, 0, 7}, 1)).hasMessageContaining("bad escape");
  }

  @Test
  void rowCodec_roundTrips_andRejectsMalformedRows() {
    Value[] row = {Value.ofNull(), Value.of(Long.MIN_VALUE), Value.of(-0.0), Value.of(Double.NaN), Value.of("t\u00e9"), Value.of(new byte[] {0, 9})};
    assertThat(RowCodec.decode(RowCodec.encode(row), "test")).containsExactly(row);
    byte[] bytes = RowCodec.encode(row);
    assertThatThrownBy(() -> RowCodec.decode(Arrays.copyOf(bytes, bytes.length - 1), "of app.t"))
        .isInstanceOf(StoreException.class).hasMessageContaining("of app.t");
    assertThatThrownBy(() -> RowCodec.decode(new byte[] {9}, "x")).hasMessageContaining("unknown row version 9");
  }
}
