package io.walflow.app.cli;

import io.walflow.testkit.KafkaBroker;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code walflow dev-kafka}: a real single-node Kafka broker (KRaft) for local development, in a
 * child JVM, until SIGINT/SIGTERM.
 */
@Command(name = "dev-kafka", mixinStandardHelpOptions = true,
    description = {"Runs a single-node Kafka broker (KRaft, from the bundled Kafka) on 127.0.0.1 for local development.",
        "Prints its bootstrap address; runs until SIGINT or SIGTERM, then stops the broker. Not for production."})
public final class DevKafkaCommand implements Callable<Integer> {
  @Option(names = "--port", defaultValue = "9092", paramLabel = "P",
      description = "Client port on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0 picks a free one).")
  int port;

  @Option(names = "--controller-port", defaultValue = "0", paramLabel = "P",
      description = "KRaft controller port on 127.0.0.1 (default: a free one).")
  int controllerPort;

  @Option(names = "--data-dir", defaultValue = "walflow-kafka", paramLabel = "DIR",
      description = "The broker's data, properties and log (broker.log); kept across runs (default: ${DEFAULT-VALUE}).")
  Path dataDir;

  @Override
  public Integer call() throws Exception {
    if (port < 0 || port > 65535 || controllerPort < 0 || controllerPort > 65535) {
      throw new IllegalArgumentException("ports must be in 0..65535");
    }
    System.err.println("walflow dev-kafka: starting a Kafka broker (data in " + dataDir.toAbsolutePath() + ") …");
    KafkaBroker broker = KafkaBroker.start(dataDir, port, controllerPort);
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      System.err.println("walflow dev-kafka: stopping the broker");
      broker.close();
      stopped.countDown();
    }, "walflow-dev-kafka-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    System.out.println(broker.bootstrapServers());
    System.out.flush();
    System.err.println("walflow dev-kafka: broker ready; bootstrap " + broker.bootstrapServers() + ", log "
        + broker.logFile() + ". Try: walflow capture --db app=app.db --kafka " + broker.bootstrapServers()
        + ". Stop with Ctrl-C.");
    while (!stopped.await(1, TimeUnit.SECONDS)) {
      if (!broker.isRunning() && stopped.getCount() > 0) {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          break; // shutting down already
        }
        System.err.println("walflow dev-kafka: the broker exited on its own; last lines of " + broker.logFile() + ":\n"
            + broker.logTail());
        return 2;
      }
    }
    return 0;
  }
}
