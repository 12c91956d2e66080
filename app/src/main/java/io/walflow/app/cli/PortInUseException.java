package io.walflow.app.cli;

/** A server cannot listen on its port (another process holds it); nothing was started. */
public final class PortInUseException extends RuntimeException {
  PortInUseException(String server, String host, int port, String cause) {
    super("port " + port + " on " + host + " for the " + server + " is not available: " + cause
        + "; stop what holds it or choose another port");
  }
}
