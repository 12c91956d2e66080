package io.walflow.ingest;

/**
 * Where an entry sits in the local log: the Chronicle Queue index of its document and the byte
 * offset of the entry within that document.
 */
public record LogPosition(long index, int offset) {
  @Override
  public String toString() {
    return "index 0x" + Long.toHexString(index) + " offset " + offset;
  }
}
