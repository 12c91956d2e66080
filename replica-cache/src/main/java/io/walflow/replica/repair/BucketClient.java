package io.walflow.replica.repair;

import io.walflow.ingest.change.Value;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Fetches the rows of digest buckets from the capture node ({@code GET
 * /v1/log/{db}/buckets/{table}}, {@link BucketRows}) for divergence repair, a bounded number of
 * buckets per request, and checks each answer (CRC, that it is the asked database, table, LSN and
 * buckets, that each row lies in an asked bucket) before returning anything. Thread-safe.
 */
public final class BucketClient implements BucketSource {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  /** Buckets per request: keeps the request line (ids as varint deltas in base64) well under 8 KiB. */
  static final int IDS_PER_REQUEST = 1500;

  private final CaptureNodeClient node;

  /**
   * @param baseUrl the capture node's HTTP endpoint, as for {@link LogRangeClient}
   * @param token its bearer token (empty for an endpoint started with {@code --open})
   */
  public BucketClient(String baseUrl, Optional<String> token) {
    this(new CaptureNodeClient(baseUrl, token));
  }

  BucketClient(CaptureNodeClient node) {
    this.node = node;
  }

  /**
   * The rows of buckets {@code ids} (ascending) of {@code table} as of {@code lsn}, {@code buckets}
   * being the digest's bucket count.
   *
   * @throws RangeGoneException when the capture node's log holds no snapshot at or before {@code lsn}
   * @throws RepairException when it cannot be reached, refuses, or answers anything but those rows
   */
  @Override
  public Fetched fetch(String db, String table, long lsn, int buckets, int[] ids) {
    List<String> columns = null;
    List<List<Value>> keys = new ArrayList<>();
    List<List<Value>> rows = new ArrayList<>();
    long bytes = 0;
    for (int from = 0; from < ids.length; from += IDS_PER_REQUEST) {
      int[] chunk = Arrays.copyOfRange(ids, from, Math.min(ids.length, from + IDS_PER_REQUEST));
      String resource = "/v1/log/" + CaptureNodeClient.segment(db) + "/buckets/" + CaptureNodeClient.segment(table);
      String path = resource + "?lsn=" + lsn + "&of=" + buckets + "&ids=" + BucketRows.encodeIds(chunk);
      byte[] body = node.get(path, TIMEOUT, (status, message) -> "capture node at " + node.base() + " answered " + status
          + " for bucket rows: " + message);
      bytes += body.length;
      BucketRows r = BucketRows.decode(body, node.base() + resource);
      if (!r.db().equals(db) || !r.table().equals(table) || r.lsn() != lsn || r.buckets() != buckets
          || !Arrays.equals(r.ids(), chunk)) {
        throw new RepairException("bucket rows from " + node.base() + ": answered database '" + r.db() + "' table '" + r.table()
            + "' LSN " + r.lsn() + " of " + r.buckets() + " buckets (" + r.ids().length + " ids) for '" + db + "' '"
            + table + "' LSN " + lsn + " of " + buckets + " (" + chunk.length + " ids); nothing applied", null);
      }
      if (columns != null && !columns.equals(r.columns())) {
        throw new RepairException("bucket rows from " + node.base() + ": columns changed between requests at one LSN; nothing applied", null);
      }
      columns = r.columns();
      keys.addAll(r.keys());
      rows.addAll(r.rows());
    }
    return new Fetched(columns == null ? List.of() : columns, keys, rows, bytes);
  }

  /** Where rows are fetched from. */
  public String describe() {
    return node.base().toString();
  }
}
