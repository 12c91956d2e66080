package io.walflow.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) running from the {@code
 * org.apache.kafka:kafka_2.13} artifact in a child JVM, listening on 127.0.0.1 only.
 *
 * <pre>{@code
 * try (KafkaBroker broker = KafkaBroker.start(dir)) {
 *   String bootstrap = broker.bootstrapServers();   // "127.0.0.1:PORT"
 * }
 * }</pre>
 *
 * <p>The child runs with this JVM's own class path ({@code java.class.path}): the test class path
 * under Maven, or the shaded {@code walflow.jar}, both of which hold Kafka and its dependencies.
 * Its storage is formatted on first start (random cluster id). Its output goes to {@link #logFile()}
 * and the last lines of it are quoted when the broker fails to start. A JVM shutdown hook stops the
 * child, so no broker outlives the JVM that started it (short of {@code kill -9} of that JVM).
 */
public final class KafkaBroker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);
  /** How long {@link #start} waits for the broker to answer. */
  public static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
  private static final int LOG_TAIL_LINES = 40;

  private final Path dir;
  private final int port;
  private final int controllerPort;
  private final String clusterId;
  private final Path propertiesFile;
  private final Path logFile;
  private Process process;
  private Thread shutdownHook;

  private KafkaBroker(Path dir, int port, int controllerPort) throws IOException {
    this.dir = dir.toAbsolutePath();
    this.port = port;
    this.controllerPort = controllerPort;
    Files.createDirectories(this.dir);
    this.clusterId = readOrCreateClusterId(this.dir.resolve("cluster-id"));
    this.propertiesFile = this.dir.resolve("server.properties");
    this.logFile = this.dir.resolve("broker.log");
  }

  /**
   * Starts a broker with its data in {@code dir} on free ports, and waits until it answers.
   *
   * @throws KafkaBrokerException when it does not answer within {@link #START_TIMEOUT} (the
   *     message quotes the end of its log)
   */
  public static KafkaBroker start(Path dir) throws IOException {
    int[] ports = freePorts(2);
    return start(dir, ports[0], ports[1]);
  }

  /**
   * Starts a broker with its data in {@code dir}, clients on {@code 127.0.0.1:port} and its
   * controller on {@code 127.0.0.1:controllerPort} (0 picks a free port). A directory that already
   * holds a broker's data (same cluster id file) is reused as it is.
   */
  public static KafkaBroker start(Path dir, int port, int controllerPort) throws IOException {
    if (port == 0) {
      port = freePorts(1)[0];
    }
    if (controllerPort == 0) {
      do {
        controllerPort = freePorts(1)[0];
      } while (controllerPort == port);
    }
    KafkaBroker b = new KafkaBroker(dir, port, controllerPort);
    b.launch();
    return b;
  }

  /** {@code 127.0.0.1:PORT}, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** The folder holding the broker's data, properties and log. */
  public Path dir() {
    return dir;
  }

  /** The child's standard output and error. */
  public Path logFile() {
    return logFile;
  }

  /** Whether the child process is alive. */
  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Stops the broker (its data stays); {@link #startAgain()} or {@link #restart()} bring it back. */
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    Process p = process;
    process = null;
    long t0 = System.nanoTime();
    destroy(p);
    removeHook();
    LOG.info("Kafka broker on {} stopped in {} ms", bootstrapServers(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
  }

  /** Starts a stopped broker again on the same ports with the same data, and waits until it answers. */
  public synchronized void startAgain() throws IOException {
    if (process != null) {
      throw new IllegalStateException("broker on " + bootstrapServers() + " is already running");
    }
    launch();
  }

  /** Stops the broker, then starts it again on the same ports with the same data. */
  public synchronized void restart() throws IOException {
    stop();
    launch();
  }

  @Override
  public synchronized void close() {
    stop();
  }

  // ---------------------------------------------------------------- launching

  private synchronized void launch() throws IOException {
    writeProperties();
    List<String> cmd = new ArrayList<>();
    cmd.add(javaBinary());
    cmd.add("-Xms64m");
    cmd.add("-Xmx768m");
    cmd.add("-XX:+UseSerialGC");
    cmd.add("-XX:TieredStopAtLevel=1"); // start-up matters more than peak speed for a dev/test broker
    cmd.add("-Djava.awt.headless=true");
    cmd.add("-Dlogback.configurationFile=" + writeLogbackConfig());
    cmd.add("-cp");
    // Absolute entries: the child runs in the broker's directory, where a relative path (as in
    // `java -jar app/target/walflow.jar`) would name nothing.
    cmd.add(java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        .filter(e -> !e.isEmpty())
        .map(e -> java.nio.file.Path.of(e).toAbsolutePath().toString())
        .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator)));
    cmd.add(BrokerMain.class.getName());
    cmd.add(propertiesFile.toString());
    cmd.add(clusterId);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    // The child must not inherit a JAVA_TOOL_OPTIONS agent or debugger port meant for the parent.
    pb.environment().remove("JAVA_TOOL_OPTIONS");
    pb.environment().remove("JDK_JAVA_OPTIONS");
    Files.writeString(logFile, "---- walflow testkit: starting broker on " + bootstrapServers() + " (controller "
        + controllerPort + ")\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    long t0 = System.nanoTime();
    Process p = pb.start();
    process = p;
    addHook();
    try {
      awaitReady(p);
    } catch (RuntimeException | IOException e) {
      process = null;
      destroy(p);
      removeHook();
      throw e;
    }
    LOG.info("Kafka broker ready on {} in {} ms (data in {})", bootstrapServers(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), dir);
  }

  private void awaitReady(Process p) throws IOException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    Map<String, Object> cfg = Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000,
        AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 100,
        AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
    Throwable last = null;
    try (Admin admin = Admin.create(cfg)) {
      while (System.nanoTime() < deadline) {
        if (!p.isAlive()) {
          throw new KafkaBrokerException("Kafka broker child exited with status " + p.exitValue()
              + " before answering on " + bootstrapServers() + "; last lines of " + logFile + ":\n" + logTail());
        }
        try {
          var cluster = admin.describeCluster(new DescribeClusterOptions().timeoutMs(2500));
          if (!cluster.nodes().get(3, TimeUnit.SECONDS).isEmpty() && cluster.controller().get(3, TimeUnit.SECONDS) != null) {
            return;
          }
        } catch (ExecutionException | TimeoutException e) {
          last = e.getCause() != null ? e.getCause() : e;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new KafkaBrokerException("interrupted while waiting for the Kafka broker on " + bootstrapServers(), e);
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new KafkaBrokerException("interrupted while waiting for the Kafka broker on " + bootstrapServers(), e);
        }
      }
    }
    throw new KafkaBrokerException("Kafka broker on " + bootstrapServers() + " did not answer describeCluster within "
        + START_TIMEOUT.toSeconds() + " s (last error: " + last + "); last lines of " + logFile + ":\n" + logTail());
  }

  /** The last lines of the broker's log, for error messages. */
  public String logTail() {
    Deque<String> lines = new ArrayDeque<>();
    try {
      for (String l : Files.readAllLines(logFile, StandardCharsets.UTF_8)) {
        lines.addLast(l);
        if (lines.size() > LOG_TAIL_LINES) {
          lines.removeFirst();
        }
      }
    } catch (IOException | UncheckedIOException e) {
      return "(cannot read " + logFile + ": " + e + ")";
    }
    return String.join("\n", lines);
  }

  private void writeProperties() throws IOException {
    Properties p = new Properties();
    p.setProperty("process.roles", "broker,controller");
    p.setProperty("node.id", "1");
    p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
    p.setProperty("controller.listener.names", "CONTROLLER");
    p.setProperty("inter.broker.listener.name", "PLAINTEXT");
    p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.setProperty("log.dirs", dir.resolve("kraft-logs").toString());
    p.setProperty("num.partitions", "1");
    p.setProperty("default.replication.factor", "1");
    p.setProperty("min.insync.replicas", "1");
    p.setProperty("offsets.topic.replication.factor", "1");
    p.setProperty("offsets.topic.num.partitions", "4");
    p.setProperty("transaction.state.log.replication.factor", "1");
    p.setProperty("transaction.state.log.min.isr", "1");
    p.setProperty("transaction.state.log.num.partitions", "4");
    p.setProperty("share.coordinator.state.topic.replication.factor", "1");
    p.setProperty("share.coordinator.state.topic.min.isr", "1");
    p.setProperty("group.initial.rebalance.delay.ms", "0");
    p.setProperty("auto.create.topics.enable", "false");
    p.setProperty("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
    p.setProperty("num.network.threads", "2");
    p.setProperty("num.io.threads", "2");
    p.setProperty("background.threads", "2");
    try (var w = Files.newBufferedWriter(propertiesFile, StandardCharsets.UTF_8)) {
      p.store(w, "written by walflow testkit KafkaBroker");
    }
  }

  private Path writeLogbackConfig() throws IOException {
    Path f = dir.resolve("broker-logback.xml");
    Files.writeString(f, """
        <configuration>
          <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
            <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0}: %msg%n</pattern></encoder>
          </appender>
          <logger name="org.apache.kafka.common.config" level="WARN"/>
          <logger name="org.apache.kafka.common.metrics" level="WARN"/>
          <logger name="org.apache.kafka.common.utils.AppInfoParser" level="WARN"/>
          <root level="INFO"><appender-ref ref="OUT"/></root>
        </configuration>
        """, StandardCharsets.UTF_8);
    return f;
  }

  private static String readOrCreateClusterId(Path f) throws IOException {
    if (Files.exists(f)) {
      return Files.readString(f, StandardCharsets.UTF_8).trim();
    }
    String id = Uuid.randomUuid().toString();
    Files.writeString(f, id + "\n", StandardCharsets.UTF_8);
    return id;
  }

  private static String javaBinary() {
    Optional<String> cmd = ProcessHandle.current().info().command();
    if (cmd.isPresent() && Files.isExecutable(Path.of(cmd.get()))) {
      return cmd.get();
    }
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** Ports free on 127.0.0.1 at this moment. */
  static int[] freePorts(int n) throws IOException {
    int[] out = new int[n];
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        held.add(s);
        out[i] = s.getLocalPort();
      }
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
    return out;
  }

  private void destroy(Process p) {
    if (!p.isAlive()) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        LOG.warn("Kafka broker on {} did not stop within {} s; killing it", bootstrapServers(), STOP_TIMEOUT.toSeconds());
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private void addHook() {
    if (shutdownHook != null) {
      return;
    }
    Process p = process;
    shutdownHook = new Thread(() -> {
      if (p.isAlive()) {
        p.destroy();
        try {
          if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
          }
        } catch (InterruptedException e) {
          p.destroyForcibly();
        }
      }
    }, "walflow-kafka-broker-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  private void removeHook() {
    if (shutdownHook == null) {
      return;
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down: the hook runs (or ran) anyway
    }
    shutdownHook = null;
  }

  @Override
  public String toString() {
    return "KafkaBroker[" + bootstrapServers() + ", " + dir + "]";
  }
}
