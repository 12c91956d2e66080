package io.walflow.ingest;

/** An entry read from the log with its position (for a multi-part commit, its first part's). */
public record LogRecord(LogPosition position, LogEntry entry) {}
