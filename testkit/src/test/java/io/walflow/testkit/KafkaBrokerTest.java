package io.walflow.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The shared child-JVM broker: produce and consume, and keep the data across a restart. */
class KafkaBrokerTest {

  @Test
  void producesAndConsumes_andKeepsDataAcrossRestart() throws Exception {
    KafkaBroker broker = KafkaFixture.localBroker();
    String bootstrap = broker.bootstrapServers();
    assertThat(bootstrap).startsWith("127.0.0.1:");
    String topic = "testkit-" + System.nanoTime();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    produce(bootstrap, topic, "a", "b");
    broker.restart();
    assertThat(broker.bootstrapServers()).isEqualTo(bootstrap);
    produce(bootstrap, topic, "c");
    assertThat(consume(bootstrap, topic, 3)).containsExactly("a", "b", "c");
  }

  private static void produce(String bootstrap, String topic, String... values) throws Exception {
    try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
        new StringSerializer(), new StringSerializer())) {
      for (String v : values) {
        p.send(new ProducerRecord<>(topic, "k", v)).get(30, TimeUnit.SECONDS);
      }
    }
  }

  private static List<String> consume(String bootstrap, String topic, int n) {
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new StringDeserializer(), new StringDeserializer())) {
      Set<TopicPartition> parts = Set.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
      c.assign(parts);
      c.seekToBeginning(parts);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (out.size() < n && System.nanoTime() < deadline) {
        c.poll(Duration.ofMillis(200)).forEach(r -> out.add(new String(r.value().getBytes(StandardCharsets.UTF_8),
            StandardCharsets.UTF_8)));
      }
    }
    return out;
  }
}
