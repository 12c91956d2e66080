/**
 * Decoding SQLite page images into change events. The only entry point is {@link
 * io.walflow.ingest.decode.CommitDecoder}; its errors are {@link
 * io.walflow.ingest.decode.CorruptPageException} and {@link
 * io.walflow.ingest.decode.SchemaException}. Everything else is internal: the file format
 * ({@code DbHeader}, {@code BtreePage}, {@code Overflow}, {@code RecordDecoder}), the schema ({@code
 * SchemaReader}, {@code SchemaInterpreter}, {@code SchemaDiff}) and the incremental diff ({@code
 * OwnerMap}, {@code TreeDelta}, {@code TableDiff}).
 */
package io.walflow.ingest.decode;
