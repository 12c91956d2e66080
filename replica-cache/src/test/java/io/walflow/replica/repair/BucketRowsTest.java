package io.walflow.replica.repair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walflow.ingest.change.Value;
import io.walflow.ingest.digest.RowHasher;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The bucket-rows answer (docs/log-format.md section 12): round trip, and every damage refused with a named error. */
class BucketRowsTest {
  private static final int BUCKETS = 16;

  static BucketRows sample() {
    List<List<Value>> keys = new ArrayList<>();
    List<List<Value>> rows = new ArrayList<>();
    TreeSet<Integer> ids = new TreeSet<>();
    for (long id = -3; id < 40; id += 7) {
      List<Value> key = List.of(Value.of(id));
      keys.add(key);
      rows.add(List.of(Value.of(id), Value.of("text " + id), Value.of(id / 3.0), Value.of(new byte[] {1, (byte) id}),
          Value.ofNull()));
      ids.add(RowHasher.bucket(RowHasher.keyHash(key), BUCKETS));
    }
    return new BucketRows("app", "t", 42, BUCKETS, ids.stream().mapToInt(Integer::intValue).toArray(), 1,
        List.of("id", "v", "r", "b", "n"), keys, rows);
  }

  @Test
  void roundTrip() {
    BucketRows r = sample();
    BucketRows back = BucketRows.decode(r.encode(), "test");
    assertThat(back.db()).isEqualTo("app");
    assertThat(back.table()).isEqualTo("t");
    assertThat(back.lsn()).isEqualTo(42);
    assertThat(back.ids()).isEqualTo(r.ids());
    assertThat(back.columns()).isEqualTo(r.columns());
    assertThat(back.keys()).isEqualTo(r.keys());
    assertThat(back.rows()).isEqualTo(r.rows());
  }

  @Test
  void everySingleByteChange_andEveryTruncation_isRefused() {
    byte[] good = sample().encode();
    Random rnd = new Random(7);
    for (int i = 0; i < good.length; i++) {
      byte[] bad = good.clone();
      bad[i] ^= (byte) (1 + rnd.nextInt(255));
      int at = i;
      assertThatThrownBy(() -> BucketRows.decode(bad, "test")).as("byte %d", at)
          .isInstanceOf(RepairException.class).hasMessageContaining("nothing applied");
    }
    for (int n = 0; n < good.length; n++) {
      byte[] cut = java.util.Arrays.copyOf(good, n);
      assertThatThrownBy(() -> BucketRows.decode(cut, "test")).isInstanceOf(RepairException.class);
    }
  }

  @Test
  void aRowOutsideTheAskedBuckets_isRefusedEvenWithAValidCrc() {
    BucketRows r = sample();
    int[] fewer = java.util.Arrays.copyOf(r.ids(), r.ids().length - 1);
    byte[] b = new BucketRows(r.db(), r.table(), r.lsn(), r.buckets(), fewer, 1, r.columns(), r.keys(), r.rows()).encode();
    assertThatThrownBy(() -> BucketRows.decode(b, "test")).hasMessageContaining("lies in no bucket of the answer");
  }

  @Test
  void ids_roundTrip_andBadIdsAreNamed() {
    int[] ids = {0, 1, 5, 700, 1 << 19, (1 << 20) - 1};
    assertThat(BucketRows.decodeIds(BucketRows.encodeIds(ids), 1 << 20)).containsExactly(ids);
    assertThatThrownBy(() -> BucketRows.decodeIds(BucketRows.encodeIds(ids), 1000))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("below 1000");
    assertThatThrownBy(() -> BucketRows.decodeIds("gA", 10)).hasMessageContaining("ends inside a number");
  }
}
