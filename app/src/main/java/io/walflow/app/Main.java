package io.walflow.app;

import io.walflow.app.cli.BenchCommand;
import io.walflow.app.cli.CaptureCommand;
import io.walflow.app.cli.DevKafkaCommand;
import io.walflow.app.cli.LogCommand;
import io.walflow.app.cli.ReplayCommand;
import io.walflow.app.cli.ReplicaCommand;
import io.walflow.app.cli.WriteLoadCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code walflow} command line. */
@Command(
    name = "walflow",
    mixinStandardHelpOptions = true,
    version = "walflow 0.1.0",
    description = "Turns the write-ahead log of live SQLite databases into an ordered, durable stream of committed transactions.",
    subcommands = {CaptureCommand.class, LogCommand.class, ReplayCommand.class, ReplicaCommand.class, WriteLoadCommand.class,
        BenchCommand.class, DevKafkaCommand.class, CommandLine.HelpCommand.class})
public final class Main {
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line; returns the exit code. */
  public static int run(String... args) {
    return new CommandLine(new Main())
        .setExecutionExceptionHandler(new ErrorHandler())
        .execute(args);
  }
}
