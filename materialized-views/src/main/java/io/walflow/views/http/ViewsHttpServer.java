package io.walflow.views.http;

import io.walflow.views.ViewService;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The views HTTP API on one port (reactor-netty): view administration, lookups, Server-Sent Events
 * and WebSocket subscriptions, status. Documented in {@code docs/http-api.md}.
 *
 * <pre>{@code
 * try (ViewsHttpServer http = ViewsHttpServer.start(views, HttpConfig.defaults(Access.token(t)), StatusSource.NONE)) {
 *   System.out.println("listening on " + http.port());
 * }
 * }</pre>
 *
 * <p>Closing stops accepting and ends open subscriptions; it closes neither the {@link
 * ViewService} nor its engine.
 */
public final class ViewsHttpServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ViewsHttpServer.class);
  private final DisposableServer server;

  private ViewsHttpServer(DisposableServer server) {
    this.server = server;
  }

  /** Binds and starts serving; returns once the port is bound. */
  public static ViewsHttpServer start(ViewService views, HttpConfig config, StatusSource status) {
    return start(views, config, status, null);
  }

  /**
   * Binds and starts serving, with {@code GET /metrics} answering {@code metrics} (Prometheus' text
   * format; {@code null}: the endpoint answers 404).
   */
  public static ViewsHttpServer start(ViewService views, HttpConfig config, StatusSource status,
      Supplier<String> metrics) {
    Routes routes = new Routes(views, config, status, metrics);
    DisposableServer server = HttpServer.create()
        .host(config.host())
        .port(config.port())
        .httpRequestDecoder(spec -> spec.maxInitialLineLength(16 << 10).maxHeaderSize(16 << 10))
        .idleTimeout(Duration.ofMinutes(5))
        .handle(routes::handle)
        .bindNow(Duration.ofSeconds(30));
    if (config.access().isOpen()) {
      String banner = "!".repeat(78);
      LOG.warn(banner);
      LOG.warn("HTTP API IS OPEN (--open): NO AUTHENTICATION. Anyone who can reach {}:{} can read every view,",
          config.host(), server.port());
      LOG.warn("create and drop views. For local development only; use --token or --tokens-file otherwise.");
      LOG.warn(banner);
    }
    LOG.info("views HTTP API on http://{}:{}/v1/", config.host(), server.port());
    return new ViewsHttpServer(server);
  }

  public int port() {
    return server.port();
  }

  public String host() {
    return server.host();
  }

  @Override
  public void close() {
    server.disposeNow(Duration.ofSeconds(10));
  }
}
