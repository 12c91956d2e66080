/**
 * Base-table state: the captured tables' rows in RocksDB ({@link io.walflow.dataflow.state.BaseStore})
 * with the secondary indexes the operator graph asks for, in the byte form of {@link
 * io.walflow.dataflow.state.ValueCodec}.
 */
package io.walflow.dataflow.state;
