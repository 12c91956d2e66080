/**
 * The change events every downstream consumer reads: what one commit (or one snapshot) did to
 * rows and schema ({@link io.walflow.ingest.change.ChangeSet}), with values in SQLite's storage
 * classes, and their binary ({@link io.walflow.ingest.change.ChangeCodec}) and JSON ({@link
 * io.walflow.ingest.change.ChangeJson}) encodings, documented in {@code docs/change-events.md}.
 */
package io.walflow.ingest.change;
