package io.walflow.replica.repair;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walflow.ingest.LogEntry;
import io.walflow.ingest.log.EntryCodec;
import io.walflow.ingest.wal.WalPosition;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The repair answer's framing: a good stream decodes; truncated, corrupt or foreign ones are refused whole. */
class EntryStreamTest {
  private static LogEntry.Commit commit(String db, long lsn) {
    byte[] page = new byte[512];
    Arrays.fill(page, (byte) lsn);
    return new LogEntry.Commit(db, lsn, Instant.parse("2026-01-02T03:04:05Z"), 512, 3, 1,
        new WalPosition(1, 2, 3, 32 + lsn * 536, 7), List.of(new LogEntry.Page(2, page)), new byte[0], 0, 1);
  }

  private static byte[] stream(LogEntry... entries) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(b);
    EntryCodec codec = new EntryCodec(false);
    for (LogEntry e : entries) {
      byte[] x = codec.encode(e);
      out.writeInt(x.length);
      out.write(x);
    }
    out.writeInt(0);
    return b.toByteArray();
  }

  @Test
  void goodStream_decodes() throws Exception {
    List<LogEntry> got = LogRangeClient.parse(stream(commit("app", 5), commit("app", 6)), "app", "test");
    assertThat(got).extracting(LogEntry::lsn).containsExactly(5L, 6L);
    assertThat(LogRangeClient.parse(stream(), "app", "test")).isEmpty();
  }

  @Test
  void truncatedCorruptOrForeign_isRefused() throws Exception {
    byte[] good = stream(commit("app", 5), commit("app", 6));
    assertThatThrownBy(() -> LogRangeClient.parse(Arrays.copyOf(good, good.length - 4), "app", "test"))
        .isInstanceOf(RepairException.class).hasMessageContaining("truncated");
    assertThatThrownBy(() -> LogRangeClient.parse(Arrays.copyOf(good, good.length - 10), "app", "test"))
        .isInstanceOf(RepairException.class).hasMessageContaining("nothing applied");
    byte[] flipped = good.clone();
    flipped[good.length / 3] ^= 0x40;
    assertThatThrownBy(() -> LogRangeClient.parse(flipped, "app", "test"))
        .isInstanceOf(RepairException.class).hasMessageContaining("nothing applied");
    assertThatThrownBy(() -> LogRangeClient.parse(stream(commit("other", 5)), "app", "test"))
        .isInstanceOf(RepairException.class).hasMessageContaining("database 'other'");
    byte[] trailing = Arrays.copyOf(good, good.length + 3);
    assertThatThrownBy(() -> LogRangeClient.parse(trailing, "app", "test"))
        .isInstanceOf(RepairException.class).hasMessageContaining("after the end marker");
  }
}
