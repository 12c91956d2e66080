package io.walflow.app.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Kafka Streams baseline computes what it claims, against a from-scratch recomputation. */
class KafkaStreamsAggregationTest {
  @TempDir Path dir;

  @Test
  void totalsEqualRecomputation_afterInsertsUpdatesAndDeletes() {
    long seed = System.nanoTime();
    System.out.println("seed " + seed);
    Random random = new Random(seed);
    Map<Long, KafkaStreamsAggregation.Vote> table = new HashMap<>();
    try (KafkaStreamsAggregation streams = new KafkaStreamsAggregation(dir)) {
      for (int i = 0; i < 3_000; i++) {
        long id = random.nextInt(500);
        KafkaStreamsAggregation.Vote v = random.nextInt(5) == 0 ? null
            : new KafkaStreamsAggregation.Vote(random.nextInt(40), random.nextInt(7) - 2);
        if (v == null && !table.containsKey(id)) {
          continue;
        }
        if (v == null) {
          table.remove(id);
        } else {
          table.put(id, v);
        }
        streams.change(id, v);
      }
      Map<Long, KafkaStreamsAggregation.Totals> expected = new HashMap<>();
      table.values().forEach(v -> expected.merge(v.story(), new KafkaStreamsAggregation.Totals(1, v.points()),
          (a, b) -> new KafkaStreamsAggregation.Totals(a.count() + b.count(), a.sum() + b.sum())));
      Map<Long, KafkaStreamsAggregation.Totals> actual = new HashMap<>(streams.totals());
      actual.values().removeIf(t -> t.count() == 0);
      assertThat(actual).as("seed " + seed).isEqualTo(expected);
    }
  }
}
