package io.walflow.app.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Checks, before anything starts, that the ports a command will listen on are free: a command
 * refused for a taken port must leave no capture half-started and no lock held, which a bind failure
 * after start-up could not promise. A port taken between the check and the bind still fails the
 * start, with the server's own error.
 */
final class Ports {
  private Ports() {}

  /**
   * @param server what would listen there, for the error ({@code "HTTP API of walflow run"})
   * @throws PortInUseException naming the port and the server when something listens there
   */
  static void requireFree(String server, String host, int port) {
    if (port == 0) {
      return;
    }
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(host, port));
    } catch (IOException e) {
      throw new PortInUseException(server, host, port, e.getMessage() == null ? e.toString() : e.getMessage());
    }
  }
}
