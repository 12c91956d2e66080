/**
 * The incremental operator graph (issue 6): SQL compiled with Calcite into base, filter, project,
 * join, aggregate and top-k operators over signed deltas, fed by {@code io.walflow.ingest.LogReader}.
 *
 * <p>Only the module boundary exists so far; it depends on {@code ingest} and nothing else.
 */
package io.walflow.dataflow;
