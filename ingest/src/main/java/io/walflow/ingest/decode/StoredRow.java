package io.walflow.ingest.decode;

import io.walflow.ingest.change.Value;
import java.util.BitSet;
import java.util.Map;

/**
 * One cell of a row-holding page, decoded lazily: most candidate rows of a commit turn out to be
 * byte-identical on both sides and are never decoded.
 */
final class StoredRow {
  final Side side;
  final BtreePage page;
  final BtreePage.Cell cell;
  private int[] chain;
  private byte[] payload;

  StoredRow(Side side, BtreePage page, int cellIndex) {
    this.side = side;
    this.page = page;
    this.cell = page.cell(cellIndex);
  }

  long rowid() {
    return cell.rowid();
  }

  /** The overflow pages of this row's payload, in order. */
  int[] chain() {
    if (chain == null) {
      chain = Overflow.chain(side.image(), side.usable(), cell);
    }
    return chain;
  }

  byte[] payload() {
    if (payload == null) {
      payload = Overflow.payload(side.image(), side.usable(), cell, page.buf, chain());
    }
    return payload;
  }

  /** The row's columns under {@code def} (whose table this row belongs to). */
  Map<String, Value> row(TableDef def, TableDef.Layout layout) {
    Value[] record = RecordDecoder.decode(payload(), side.header().encoding(), cell.pgno(), cell.offset());
    return def.row(record, layout, cell.rowid());
  }

  /**
   * True if this (before-image) row's payload is the same bytes as {@code after}'s without reading
   * overflow pages: same size, same local bytes and the same overflow chain, none of whose pages
   * the commit wrote (an unchanged first page implies an unchanged next pointer, and so on).
   */
  boolean sameBytes(StoredRow after, BitSet changed) {
    if (cell.payloadSize() != after.cell.payloadSize() || cell.localSize() != after.cell.localSize()
        || cell.firstOverflow() != after.cell.firstOverflow()
        || side.header().encoding() != after.side.header().encoding()) {
      return false;
    }
    if (!page.buf.sameBytes(cell.localOffset(), after.page.buf, after.cell.localOffset(), cell.localSize())) {
      return false;
    }
    if (cell.firstOverflow() != 0) {
      for (int p : after.chain()) {
        if (changed.get(p)) {
          return false;
        }
      }
    }
    return true;
  }
}
