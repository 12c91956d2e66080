package io.walflow.ingest;

/** When a commit counts as durable in the log. */
public enum Durability {
  /** Appended to the memory-mapped log: survives a crash of the process, not of the machine. */
  LOCAL,
  /** Appended and fsynced: survives a crash of the machine. */
  FSYNC,
  /**
   * Acknowledged by Kafka ({@code acks=all}) up to this commit's last record, in LSN order. Needs
   * Kafka publishing ({@code --kafka}). Capture itself keeps appending locally while Kafka is down.
   */
  KAFKA
}
