package io.walflow.testkit;

import java.io.PrintStream;

/**
 * The child JVM's entry point, started by {@link KafkaBroker}: formats the broker's storage (once;
 * a formatted directory is left as it is) and runs {@code kafka.Kafka} with the given properties.
 *
 * <p>Arguments: {@code <server.properties> <cluster id>}.
 */
public final class BrokerMain {
  private BrokerMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: BrokerMain <server.properties> <cluster-id>");
      System.exit(64);
    }
    String props = args[0];
    String clusterId = args[1];
    PrintStream out = System.out;
    int rc = kafka.tools.StorageTool.execute(
        new String[] {"format", "--config", props, "--cluster-id", clusterId, "--ignore-formatted"}, out);
    if (rc != 0) {
      System.err.println("walflow testkit: formatting Kafka storage failed with status " + rc);
      System.exit(rc);
    }
    kafka.Kafka.main(new String[] {props});
  }
}
