package io.walflow.app.bench;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * The Kafka Streams baseline of the dataflow suite: the grouped {@code COUNT(*)} and {@code
 * SUM(points)} of a table of votes, as a Kafka Streams user writes it — the table's changelog read
 * as a KTable (materialized in RocksDB, so updates and deletes retract the old row), re-keyed with
 * {@code groupBy} and aggregated with an adder and a subtractor into a persistent RocksDB store.
 *
 * <p>It runs in Kafka Streams' {@link TopologyTestDriver}: the same processors, serdes and RocksDB
 * stores as a deployed application, but records are handed to the topology in-process, with no
 * broker, network or repartition topic round trip. That is the most favourable setting for the
 * baseline: a deployed Kafka Streams application can only be slower.
 */
final class KafkaStreamsAggregation implements AutoCloseable {
  /** One row of {@code votes}: the story voted on and the points given. */
  record Vote(long story, long points) {}

  /** COUNT(*) and SUM(points) of one story. */
  record Totals(long count, long sum) {}

  private static final String INPUT = "votes";
  private static final String STORE = "story-totals";

  private final TopologyTestDriver driver;
  private final TestInputTopic<Long, Vote> input;

  KafkaStreamsAggregation(Path stateDir) {
    Serde<Vote> votes = Serdes.serdeFrom(new VoteSerializer(), new VoteDeserializer());
    Serde<Totals> totals = Serdes.serdeFrom(new TotalsSerializer(), new TotalsDeserializer());
    StreamsBuilder builder = new StreamsBuilder();
    builder.table(INPUT, Consumed.with(Serdes.Long(), votes),
            Materialized.<Long, Vote>as(Stores.persistentKeyValueStore("votes-by-id"))
                .withKeySerde(Serdes.Long()).withValueSerde(votes))
        .groupBy((id, v) -> KeyValue.pair(v.story(), v), Grouped.with(Serdes.Long(), votes))
        .aggregate(() -> new Totals(0, 0),
            (story, v, t) -> new Totals(t.count() + 1, t.sum() + v.points()),
            (story, v, t) -> new Totals(t.count() - 1, t.sum() - v.points()),
            Materialized.<Long, Totals>as(Stores.persistentKeyValueStore(STORE))
                .withKeySerde(Serdes.Long()).withValueSerde(totals));
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "walflow-bench-baseline");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put("processing.exception.handler.global.enabled", "true");
    driver = new TopologyTestDriver(builder.build(), props);
    input = driver.createInputTopic(INPUT, new LongSerializer(), new VoteSerializer());
  }

  /** Hands one change of {@code votes} to the topology: a new or updated row, or a delete (null). */
  void change(long id, Vote after) {
    input.pipeInput(id, after);
  }

  /** The aggregates the store holds now, by story (stories whose count went back to 0 included). */
  Map<Long, Totals> totals() {
    KeyValueStore<Long, ValueAndTimestamp<Totals>> store = driver.getTimestampedKeyValueStore(STORE);
    Map<Long, Totals> all = new HashMap<>();
    try (KeyValueIterator<Long, ValueAndTimestamp<Totals>> it = store.all()) {
      it.forEachRemaining(kv -> all.put(kv.key, kv.value.value()));
    }
    return all;
  }

  @Override
  public void close() {
    driver.close();
  }

  private static final class VoteSerializer implements Serializer<Vote> {
    @Override
    public byte[] serialize(String topic, Vote v) {
      return v == null ? null : ByteBuffer.allocate(16).putLong(v.story()).putLong(v.points()).array();
    }
  }

  private static final class VoteDeserializer implements Deserializer<Vote> {
    @Override
    public Vote deserialize(String topic, byte[] b) {
      if (b == null) {
        return null;
      }
      ByteBuffer buf = ByteBuffer.wrap(b);
      return new Vote(buf.getLong(), buf.getLong());
    }
  }

  private static final class TotalsSerializer implements Serializer<Totals> {
    @Override
    public byte[] serialize(String topic, Totals t) {
      return t == null ? null : ByteBuffer.allocate(16).putLong(t.count()).putLong(t.sum()).array();
    }
  }

  private static final class TotalsDeserializer implements Deserializer<Totals> {
    @Override
    public Totals deserialize(String topic, byte[] b) {
      if (b == null) {
        return null;
      }
      ByteBuffer buf = ByteBuffer.wrap(b);
      return new Totals(buf.getLong(), buf.getLong());
    }
  }
}
