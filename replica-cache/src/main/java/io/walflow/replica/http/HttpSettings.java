package io.walflow.replica.http;

import java.util.Objects;
import java.util.Set;

/**
 * How the replica's HTTP API listens and whom it serves.
 *
 * @param host the address to bind (loopback by default)
 * @param port the port (0: any free port)
 * @param tokens the bearer tokens accepted; ignored when {@code open}
 * @param open serve without authentication (development only; announced loudly)
 * @param maxUriLength longest request line accepted (longer: 414)
 */
public record HttpSettings(String host, int port, Set<String> tokens, boolean open, int maxUriLength) {
  /** Default longest request line. */
  public static final int DEFAULT_MAX_URI = 8192;

  /**
   * @throws IllegalArgumentException if the port is out of range, or no token is given without {@code open}
   */
  public HttpSettings {
    Objects.requireNonNull(host, "host");
    tokens = Set.copyOf(tokens);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535: " + port);
    }
    if (!open && tokens.isEmpty()) {
      throw new IllegalArgumentException("the replica's HTTP API needs a bearer token (--token or --tokens-file), "
          + "or --open for development");
    }
    for (String t : tokens) {
      if (t.isBlank() || t.chars().anyMatch(ch -> ch <= ' ' || ch > '~')) {
        throw new IllegalArgumentException("a bearer token must be printable ASCII without spaces");
      }
    }
    if (maxUriLength < 256) {
      throw new IllegalArgumentException("maxUriLength must be >= 256: " + maxUriLength);
    }
  }

  /** Loopback, port {@code port}, requiring one of {@code tokens}. */
  public static HttpSettings secured(int port, Set<String> tokens) {
    return new HttpSettings("127.0.0.1", port, tokens, false, DEFAULT_MAX_URI);
  }

  /** Loopback, port {@code port}, without authentication (development). */
  public static HttpSettings open(int port) {
    return new HttpSettings("127.0.0.1", port, Set.of(), true, DEFAULT_MAX_URI);
  }
}
