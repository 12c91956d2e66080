package io.walflow.ingest.change;

/** One decoded change of a commit: a row change or a schema change. */
public sealed interface Change permits RowChange, SchemaChange {

  /** The table (or index, view, trigger) the change is about, named as of the end of the commit. */
  String table();
}
