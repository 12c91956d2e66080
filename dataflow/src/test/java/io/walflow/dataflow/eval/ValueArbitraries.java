package io.walflow.dataflow.eval;

import io.walflow.ingest.change.Value;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/** Test helper: random SQLite values of every storage class, biased to the interesting ones. */
public final class ValueArbitraries {
  private ValueArbitraries() {}

  public static Arbitrary<Value> integers() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(6, Arbitraries.longs().between(-5, 5).map(Value::of)),
        net.jqwik.api.Tuple.of(2, Arbitraries.of(Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 1,
            Long.MIN_VALUE + 1, 4503599627370496L, 9007199254740993L, 1000L, -1L).map(Value::of)),
        net.jqwik.api.Tuple.of(1, Arbitraries.longs().map(Value::of)));
  }

  public static Arbitrary<Value> reals() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(5, Arbitraries.integers().between(-20, 20).map(i -> Value.of(i / 4.0))),
        net.jqwik.api.Tuple.of(2, Arbitraries.of(0.1, 1e20, -1e20, 9.223372036854775807E18, 1.5e-7, 123.456,
            Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 2.5, -2.5, 1.005, 0.3333333333333333,
            4503599627370497.0, 1e16, 1e300).map(Value::of)),
        net.jqwik.api.Tuple.of(2, Arbitraries.doubles().between(-1e6, 1e6).map(Value::of)),
        net.jqwik.api.Tuple.of(1, Arbitraries.longs().map(l -> Double.longBitsToDouble(l))
            .filter(d -> !Double.isNaN(d)).map(Value::of)));
  }

  public static Arbitrary<Value> texts() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, Arbitraries.of("12", " 3.5 ", "1e3", "abc", "", "0x10", "12abc", "Abc%", "a_c",
            "ABC", "é", "-0", "0.0", "1.", ".5", "1e", "9223372036854775807", "9223372036854775808",
            "99999999999999999999", " 7", "+4", "-", "3.0", "1.5e1", "a%", "%b%", "_", "2.50", "\uD83D\uDE00x",
            "\uFFFDz").map(Value::of)),
        net.jqwik.api.Tuple.of(1, Arbitraries.strings().withChars("aB1._% e-").ofMaxLength(5).map(Value::of)),
        net.jqwik.api.Tuple.of(1, integers().map(v -> Value.of(SqliteValues.toText(v)))),
        net.jqwik.api.Tuple.of(1, reals().map(v -> Value.of(SqliteValues.toText(v)))));
  }

  public static Arbitrary<Value> blobs() {
    return Arbitraries.of("", "12", "a", "A_", "3.5", "zz").map(s -> Value.of(s.getBytes(StandardCharsets.UTF_8)));
  }

  public static Arbitrary<Value> values() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, integers()),
        net.jqwik.api.Tuple.of(3, reals()),
        net.jqwik.api.Tuple.of(3, texts()),
        net.jqwik.api.Tuple.of(1, blobs()),
        net.jqwik.api.Tuple.of(1, Arbitraries.just(Value.ofNull())));
  }
}
