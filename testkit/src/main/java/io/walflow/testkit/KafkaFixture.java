package io.walflow.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kafka broker shared by every test of a JVM (a test run), started on first use and stopped
 * when the JVM exits. Broker start-up takes about fifteen seconds; sharing it keeps test runs
 * short.
 *
 * <pre>{@code
 * String bootstrap = KafkaFixture.bootstrap();   // "127.0.0.1:PORT" or the container's address
 * }</pre>
 *
 * <p>When a Docker engine is reachable (Testcontainers on the class path and {@code
 * DockerClientFactory.instance().isDockerAvailable()}), {@link #bootstrap()} uses a Testcontainers
 * Kafka; otherwise, and always when the system property {@code walflow.kafka.docker=false} is set, a
 * {@link KafkaBroker} in a child JVM. Tests that stop and restart the broker use {@link
 * #localBroker()}, which is always the child-JVM broker.
 *
 * <p>Tests sharing the broker must use their own topic names (for example with a random suffix).
 */
public final class KafkaFixture {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaFixture.class);
  private static String bootstrap;
  private static KafkaBroker local;
  private static Path localDir;

  private KafkaFixture() {}

  /** The bootstrap address of the shared broker, starting it on first use. */
  public static synchronized String bootstrap() {
    if (bootstrap == null) {
      if (dockerAvailable()) {
        bootstrap = DockerKafka.start();
      } else {
        bootstrap = localBroker().bootstrapServers();
      }
    }
    return bootstrap;
  }

  /**
   * The shared child-JVM broker, starting it on first use: for tests that {@link KafkaBroker#stop()
   * stop} and {@link KafkaBroker#startAgain() start} it again. Such a test must leave it running.
   */
  public static synchronized KafkaBroker localBroker() {
    if (local == null) {
      try {
        localDir = Files.createTempDirectory("walflow-kafka-");
        local = KafkaBroker.start(localDir);
      } catch (IOException e) {
        throw new KafkaBrokerException("cannot start the shared Kafka broker: " + e.getMessage(), e);
      }
      Path dir = localDir;
      KafkaBroker b = local;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        b.close();
        deleteQuietly(dir);
      }, "walflow-kafka-fixture-cleanup"));
    } else if (!local.isRunning()) {
      try {
        local.startAgain();
      } catch (IOException e) {
        throw new KafkaBrokerException("cannot restart the shared Kafka broker: " + e.getMessage(), e);
      }
    }
    return local;
  }

  private static boolean dockerAvailable() {
    if ("false".equals(System.getProperty("walflow.kafka.docker"))) {
      return false;
    }
    try {
      Class.forName("org.testcontainers.DockerClientFactory", false, KafkaFixture.class.getClassLoader());
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
    try {
      return DockerKafka.available();
    } catch (RuntimeException | LinkageError e) {
      LOG.info("no usable Docker engine ({}); using a Kafka broker in a child JVM", e.toString());
      return false;
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | RuntimeException e) {
      // best effort at JVM exit
    }
  }

  /** Kept apart so that Testcontainers classes load only when Docker is used. */
  private static final class DockerKafka {
    private static final String IMAGE = "apache/kafka:4.1.1";

    static boolean available() {
      return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
    }

    static String start() {
      var container = new org.testcontainers.kafka.KafkaContainer(
          org.testcontainers.utility.DockerImageName.parse(IMAGE));
      container.start();
      Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "walflow-kafka-container-stop"));
      LOG.info("Kafka container {} on {}", IMAGE, container.getBootstrapServers());
      return container.getBootstrapServers();
    }
  }
}
