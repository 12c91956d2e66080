package io.walflow.app.cli;

import io.walflow.replica.http.HttpSettings;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code walflow capture}: capture ({@link CaptureCommand}'s options) and, with {@code
 * --http-port}, the log endpoint replicas repair gaps from. The endpoint's options live here, not
 * in {@link CaptureCommand}, because {@code walflow run} mixes the capture options into its own,
 * which have an HTTP port and tokens of their own.
 */
@Command(name = "capture", mixinStandardHelpOptions = true,
    description = {"Captures every committed transaction of the given SQLite databases (WAL mode) into the log.",
        "Runs until SIGINT or SIGTERM, then reads what is committed, appends it and exits 0.",
        "With --http-port, also serves the log by LSN range for replicas that repair a gap (docs/log-format.md, section 10)."})
public final class CaptureNodeCommand implements Callable<Integer> {
  @Mixin
  CaptureCommand capture;

  @Option(names = "--http-port", paramLabel = "PORT",
      description = {"Serve the log by LSN range on this port (0: any free port) for replicas that repair a gap",
          "(GET /v1/log/{db}?fromLsn=N&toLsn=M). Needs --token or --open."})
  Integer httpPort;

  @Option(names = "--http-host", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
      description = "Address the log endpoint listens on (default: ${DEFAULT-VALUE}).")
  String httpHost;

  @Option(names = "--token", paramLabel = "TOKEN", split = ConfigFile.LIST_SPLIT, hideParamSyntax = true, description = "A bearer token the log endpoint requires (repeatable).")
  List<String> tokens = new ArrayList<>();

  @Option(names = "--open", description = "Serve the log endpoint without a token. Development only: anyone who can connect reads the whole log.")
  boolean open;

  /** The capture options. */
  public CaptureCommand capture() {
    return capture;
  }

  @Override
  public Integer call() throws Exception {
    capture.config(); // bad capture options are reported before the endpoint's
    capture.logEndpoint = httpSettings();
    return capture.call();
  }

  private Optional<HttpSettings> httpSettings() {
    if (httpPort == null) {
      if (open || !tokens.isEmpty()) {
        throw new IllegalArgumentException("--token and --open are for the log endpoint: give --http-port too");
      }
      return Optional.empty();
    }
    if (open && !tokens.isEmpty()) {
      throw new IllegalArgumentException("--open serves without tokens; give either --open or tokens, not both");
    }
    if (!open && tokens.isEmpty()) {
      throw new IllegalArgumentException("--http-port needs --token TOKEN (repeatable) or, for development, --open");
    }
    return Optional.of(new HttpSettings(httpHost, httpPort, new HashSet<>(tokens), open, HttpSettings.DEFAULT_MAX_URI));
  }
}
