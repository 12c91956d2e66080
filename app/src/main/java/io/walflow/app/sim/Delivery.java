package io.walflow.app.sim;

/**
 * One log entry (snapshot, commit or digest) on its way to the replica: its encoded bytes (as the log and Kafka carry them),
 * possibly damaged in transit, with what it is for the trace.
 */
record Delivery(long lsn, boolean snapshot, boolean digest, byte[] bytes, String damage) {
  Delivery(long lsn, boolean snapshot, boolean digest, byte[] bytes) {
    this(lsn, snapshot, digest, bytes, null);
  }

  Delivery damaged(byte[] changed, String how) {
    return new Delivery(lsn, snapshot, digest, changed, how);
  }

  @Override
  public String toString() {
    return (snapshot ? "snapshot@" : digest ? "digest@" : "commit@") + lsn + (damage == null ? "" : "[" + damage + "]");
  }
}
