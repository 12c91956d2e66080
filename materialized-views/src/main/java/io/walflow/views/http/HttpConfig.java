package io.walflow.views.http;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the HTTP server; {@link #defaults(Access)} binds 127.0.0.1 on an ephemeral port.
 *
 * @param host address to bind
 * @param port port to bind (0: any free port)
 * @param access authentication and rights
 * @param maxBodyBytes largest request body accepted (413 above)
 * @param maxSqlLength longest view SQL accepted, in characters (400 above)
 * @param maxSubscribersPerClient open SSE/WebSocket subscriptions per token (or per remote address
 *     when open) (429 above)
 * @param requestsPerSecond sustained requests per client before 429
 * @param burst requests a client may make at once above the sustained rate
 * @param maxLookupTimeout the longest {@code timeoutMs} a lookup may wait for its {@code minLsn}
 */
public record HttpConfig(String host, int port, Access access, int maxBodyBytes, int maxSqlLength,
    int maxSubscribersPerClient, double requestsPerSecond, int burst, Duration maxLookupTimeout) {

  public HttpConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(access, "access");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be 0..65535, got " + port);
    }
    if (maxBodyBytes < 1 || maxSqlLength < 1 || maxSubscribersPerClient < 1 || burst < 1 || requestsPerSecond <= 0) {
      throw new IllegalArgumentException("HTTP limits must be positive");
    }
  }

  /** 64 KiB bodies, 16 Ki characters of SQL, 1000 subscriptions and 1000 requests/s (burst 2000) per client, lookups wait up to 30 s. */
  public static HttpConfig defaults(Access access) {
    return new HttpConfig("127.0.0.1", 0, access, 64 << 10, 16 << 10, 1000, 1000, 2000, Duration.ofSeconds(30));
  }

  public HttpConfig withAddress(String h, int p) {
    return new HttpConfig(h, p, access, maxBodyBytes, maxSqlLength, maxSubscribersPerClient, requestsPerSecond, burst,
        maxLookupTimeout);
  }

  public HttpConfig withLimits(int bodyBytes, int sqlLength, int subscribersPerClient) {
    return new HttpConfig(host, port, access, bodyBytes, sqlLength, subscribersPerClient, requestsPerSecond, burst,
        maxLookupTimeout);
  }

  public HttpConfig withRate(double perSecond, int burstSize) {
    return new HttpConfig(host, port, access, maxBodyBytes, maxSqlLength, maxSubscribersPerClient, perSecond, burstSize,
        maxLookupTimeout);
  }
}
