package io.walflow.app;

import io.walflow.app.cli.BenchCommand;
import io.walflow.app.cli.CaptureNodeCommand;
import io.walflow.app.cli.DemoCommand;
import io.walflow.app.cli.DevKafkaCommand;
import io.walflow.app.cli.LogCommand;
import io.walflow.app.cli.ReplayCommand;
import io.walflow.app.cli.RunCommand;
import io.walflow.app.cli.ReplicaCommand;
import io.walflow.app.cli.VerifyCommand;
import io.walflow.app.cli.SimulateCommand;
import io.walflow.app.cli.WriteLoadCommand;
import picocli.CommandLine;
import io.walflow.app.cli.ConfigFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code walflow} command line. */
@Command(
    name = "walflow",
    mixinStandardHelpOptions = true,
    version = "walflow 0.1.0",
    description = "Turns the write-ahead log of live SQLite databases into an ordered, durable stream of committed transactions.",
    subcommands = {DemoCommand.class, RunCommand.class, CaptureNodeCommand.class, LogCommand.class, ReplayCommand.class, ReplicaCommand.class, VerifyCommand.class, SimulateCommand.class, WriteLoadCommand.class,
        BenchCommand.class, DevKafkaCommand.class, CommandLine.HelpCommand.class})
public final class Main {
  @Option(names = "--config", paramLabel = "FILE",
      description = {"Read option values from this YAML file (before the command: walflow --config walflow.yaml run).",
          "Keys are long option names without dashes, at the top level (every command) or under a command's name;",
          "flags given on the command line win. See README, \"Configuration file\"."})
  Path config;

  public static void main(String[] args) {
    // Chronicle Queue would otherwise send usage analytics to an outside host; the launcher sets
    // this too, but `java -jar walflow.jar` must be safe on its own.
    System.setProperty("chronicle.analytics.disable", "true");
    System.exit(run(args));
  }

  /** Runs the command line; returns the exit code. */
  public static int run(String... args) {
    return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  /** Runs the command line with these output streams; returns the exit code. */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = commandLine().setOut(out).setErr(err);
    try {
      configFile(cl, args).ifPresent(c -> ConfigFile.read(c).install(cl));
    } catch (IllegalArgumentException e) {
      cl.getErr().println("walflow: " + e.getMessage().replace("\n", "\nwalflow: "));
      cl.getErr().flush();
      return 2;
    }
    return cl.execute(args);
  }

  /** The command line with its error handling, without a configuration file. */
  public static CommandLine commandLine() {
    return new CommandLine(new Main()).setExecutionExceptionHandler(new ErrorHandler());
  }

  /** The {@code --config} given before the command, if any. */
  static Optional<Path> configFile(CommandLine cl, String... args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (cl.getSubcommands().containsKey(a)) {
        break;
      }
      if (a.equals("--config") && i + 1 < args.length) {
        return Optional.of(Path.of(args[i + 1]));
      }
      if (a.startsWith("--config=")) {
        return Optional.of(Path.of(a.substring("--config=".length())));
      }
    }
    return Optional.empty();
  }
}
