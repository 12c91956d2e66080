/**
 * The operator graph: signed deltas flow from {@link io.walflow.dataflow.graph.ScanNode scans} of
 * base tables through filter, project, join, aggregate, distinct, union and top-k operators to each
 * view's {@link io.walflow.dataflow.graph.ReaderNode reader}. Stateful operators keep their state in
 * partitions of the view's key; partial operators hold only partitions an upquery ({@link
 * io.walflow.dataflow.graph.Node#pull}) filled. {@link io.walflow.dataflow.graph.Graph} builds and
 * shares operators and applies a transaction to every component, in parallel on worker threads.
 */
package io.walflow.dataflow.graph;
