package io.walflow.app;

import io.walflow.app.cli.DataDirInUseException;
import io.walflow.app.cli.PortInUseException;
import io.walflow.ingest.CaptureException;
import io.walflow.ingest.CorruptEntryException;
import io.walflow.ingest.Replay;
import io.walflow.testkit.KafkaBrokerException;
import java.io.IOException;
import picocli.CommandLine;

/** Prints the errors users can act on as one clear line (exit 2), anything else with its stack trace. */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
    if (ex instanceof CaptureException || ex instanceof CorruptEntryException || ex instanceof IOException
        || ex instanceof Replay.UnreachableLsnException || ex instanceof IllegalArgumentException
        || ex instanceof KafkaBrokerException || ex instanceof io.walflow.replica.store.StoreException
        || ex instanceof java.io.UncheckedIOException || ex instanceof io.walflow.replica.client.ReplicaHttpException
        || ex instanceof io.walflow.replica.BadReadException || ex instanceof DataDirInUseException
        || ex instanceof PortInUseException) {
      cmd.getErr().println("walflow: " + ex.getMessage());
      return 2;
    }
    ex.printStackTrace(cmd.getErr());
    return 1;
  }
}
