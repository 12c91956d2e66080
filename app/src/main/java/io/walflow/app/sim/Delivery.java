package io.walflow.app.sim;

/**
 * One log entry on its way to the replica: its encoded bytes (as the log and Kafka carry them),
 * possibly damaged in transit, with what it is for the trace.
 */
record Delivery(long lsn, boolean snapshot, byte[] bytes, String damage) {
  Delivery(long lsn, boolean snapshot, byte[] bytes) {
    this(lsn, snapshot, bytes, null);
  }

  Delivery damaged(byte[] changed, String how) {
    return new Delivery(lsn, snapshot, changed, how);
  }

  @Override
  public String toString() {
    return (snapshot ? "snapshot@" : "commit@") + lsn + (damage == null ? "" : "[" + damage + "]");
  }
}
