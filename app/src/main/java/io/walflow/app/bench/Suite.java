package io.walflow.app.bench;

import java.util.List;

/**
 * A group of side-by-side comparisons: each measures walflow and its baseline in the same run, on
 * the same machine, and returns one {@link Row} per figure.
 */
interface Suite {

  /** The name given to {@code --suite}. */
  String name();

  /** One line for the help text. */
  String description();

  /**
   * Runs every comparison of the suite.
   *
   * @param report where to add notes (the rows are returned)
   * @throws Exception when a measurement cannot be made (walflow failing is reported this way too)
   */
  List<Row> run(BenchSettings settings, Workspace workspace, Progress progress, Report report) throws Exception;
}
