package io.walflow.replica.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walflow.ingest.change.Value;
import java.util.List;
import org.junit.jupiter.api.Test;

/** WITHOUT ROWID keys decode back to their values (integral numbers as integers). */
class KeyDecodeTest {
  @Test
  void decodesWhatValuesEncodes() {
    List<Value> key = List.of(Value.ofNull(), Value.of(-7L), Value.of(Long.MAX_VALUE), Value.of((1L << 53) + 1), Value.of(2.5),
        Value.of("a\u0000b\u00e9"), Value.of(new byte[] {0, 1, 0, (byte) 0xFF}), Value.of(""));
    assertThat(KeyCodec.decodeValues(KeyCodec.values(key), key.size())).isEqualTo(key);
    assertThat(KeyCodec.decodeValues(KeyCodec.values(List.of(Value.of(2.0))), 1)).containsExactly(Value.of(2L));
    assertThatThrownBy(() -> KeyCodec.decodeValues(new byte[] {0x30, 'a'}, 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unterminated");
  }
}
