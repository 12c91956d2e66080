package io.walflow.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.LogEntry;
import io.walflow.ingest.capture.SqliteOracle;
import io.walflow.ingest.digest.DigestEntry;
import io.walflow.replica.http.HttpSettings;
import io.walflow.replica.repair.BucketClient;
import io.walflow.replica.repair.BucketRows;
import io.walflow.replica.repair.LogRangeClient;
import io.walflow.replica.repair.LogRangeServer;
import io.walflow.replica.repair.RangeGoneException;
import io.walflow.replica.source.LocalLogSource;
import io.walflow.replica.source.SourceItem;
import io.walflow.replica.verify.ReplicaView;
import io.walflow.replica.verify.Verifier;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input to divergence repair: digest entries of another database, of another schema version or
 * malformed are reported and ignored; a corrupt or inconsistent answer of the capture node is
 * refused whole (nothing applied); an answer that the capture node no longer holds the LSN makes
 * the replica bootstrap the database again from the newest snapshot.
 */
class DivergenceBadInputTest {
  @TempDir Path dir;

  /** Forwards to the capture node's log endpoint, passing bucket-rows answers through {@code tamper}. */
  static final class Proxy implements AutoCloseable {
    final HttpServer server;
    final AtomicReference<Function<HttpResponse<byte[]>, Answer>> tamper = new AtomicReference<>(r -> new Answer(r.statusCode(), r.body()));

    record Answer(int status, byte[] body) {}

    Proxy(String target) throws Exception {
      HttpClient http = HttpClient.newHttpClient();
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/", ex -> {
        try {
          HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(target + ex.getRequestURI())).GET();
          String auth = ex.getRequestHeaders().getFirst("Authorization");
          if (auth != null) {
            b.header("Authorization", auth);
          }
          HttpResponse<byte[]> res = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
          Answer a = ex.getRequestURI().getPath().contains("/buckets/") ? tamper.get().apply(res)
              : new Answer(res.statusCode(), res.body());
          ex.sendResponseHeaders(a.status(), a.body().length);
          ex.getResponseBody().write(a.body());
        } catch (Exception e) {
          ex.sendResponseHeaders(500, -1);
        } finally {
          ex.close();
        }
      });
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  /** A digest entry like {@code d} whose body {@code change} rewrites. */
  static LogEntry.Digest forged(LogEntry.Digest d, Function<DigestEntry, DigestEntry> change) {
    DigestEntry b = change.apply(DigestEntry.decode(d.body(), "test"));
    return new LogEntry.Digest(d.db(), d.lsn(), d.committedAt(), d.pageSize(), d.dbPageCount(), d.walPosition(), b.encode());
  }

  @Test
  void digestEntriesOfAnotherDatabaseOrSchemaOrMalformed_areReportedAndIgnored() throws Exception {
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    Random rnd = new Random(1);
    try (Connection w = SqliteOracle.open(db)) {
      DivergenceRepairTest.prepare(w);
      try (Capture c = Capture.start(CaptureConfig.defaults(data).withDatabase("app", db), DivergenceRepairTest.DIGESTS);
          Replica r = Replica.open(ReplicaConfig.of("eu", dir.resolve("replica")))) {
        r.start(new DivergenceRepairTest.MappedSource(new LocalLogSource(data), item -> {
          if (!(item instanceof SourceItem.Entry e) || !(e.entry() instanceof LogEntry.Digest d)) {
            return List.of(item);
          }
          List<SourceItem> out = new ArrayList<>(List.of(item));
          LogEntry.Digest otherDb = forged(d, b -> new DigestEntry("other", b.fingerprint(), b.buckets(), b.tableCount(),
              b.tableIndex(), b.table(), true, b.rows(), new long[b.buckets()]));
          LogEntry.Digest otherSchema = forged(d, b -> new DigestEntry(b.db(), b.fingerprint() + 1, b.buckets(),
              b.tableCount(), b.tableIndex(), b.table(), true, b.rows(), new long[b.buckets()]));
          LogEntry.Digest malformed = new LogEntry.Digest(d.db(), d.lsn(), d.committedAt(), d.pageSize(), d.dbPageCount(),
              d.walPosition(), Arrays.copyOf(d.body(), d.body().length - 3));
          for (LogEntry.Digest f : List.of(otherDb, otherSchema, malformed)) {
            out.add(new SourceItem.Entry(f, e.where() + " (forged)", e.position()));
          }
          return out;
        }));
        c.awaitDurable("app", 0).get(30, TimeUnit.SECONDS);
        for (int txn = 1; txn <= 60; txn++) {
          DivergenceRepairTest.write(w, rnd, txn);
        }
        c.awaitDurable("app", 60).get(60, TimeUnit.SECONDS);
        r.awaitLsn("app", 60).get(60, TimeUnit.SECONDS);
        Awaitility.await("3 digest entries ignored").atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(20))
            .until(() -> r.status().databases().get("app").divergence().ignored() >= 3);
        DivergenceStats s = r.status().databases().get("app").divergence();
        assertThat(s.ignored()).isGreaterThanOrEqualTo(3);
        assertThat(s.digestsCompared()).as("the genuine entries are compared").isPositive();
        assertThat(s.bucketsDiverged()).as("no forged sum was taken for a difference").isZero();
        assertThat(s.bucketsRepaired()).isZero();
        assertThat(r.status().databases().get("app").state()).isEqualTo(ApplyState.OK);
        assertThat(Verifier.verify(db, Optional.of(data), ReplicaView.over(r), "app", Duration.ofSeconds(30), dir, 10)
            .equal()).isTrue();
      }
    }
  }

  @Test
  void corruptOrInconsistentAnswers_areNeverApplied_andA410Resnapshots() throws Exception {
    Path db = dir.resolve("app.db");
    Path data = dir.resolve("data");
    Random rnd = new Random(2);
    try (Connection w = SqliteOracle.open(db)) {
      DivergenceRepairTest.prepare(w);
      // A snapshot after every read of the WAL: the newest snapshot is at the last commit, the LSN
      // the replica repairs at once writes stop (a capture node whose retention removed older ones).
      CaptureConfig cfg = CaptureConfig.defaults(data).withDatabase("app", db).withRetention(1, Duration.ofHours(1), "FAST_HOURLY");
      try (Capture c = Capture.start(cfg, DivergenceRepairTest.DIGESTS);
          LogRangeServer server = LogRangeServer.start(data, HttpSettings.open(0));
          Proxy proxy = new Proxy(server.baseUrl());
          Replica r = Replica.open(ReplicaConfig.of("eu", dir.resolve("replica")))) {
        // Bit flips in transit: the CRC refuses them.
        proxy.tamper.set(res -> {
          byte[] b = res.body().clone();
          b[b.length / 2] ^= 0x10;
          return new Proxy.Answer(res.statusCode(), b);
        });
        r.start(new DivergenceRepairTest.MappedSource(new LocalLogSource(data),
            i -> List.of(DivergenceRepairTest.dropFirstRowChange(i, 40))),
            Optional.of(new LogRangeClient(proxy.url(), Optional.empty())));
        c.awaitDurable("app", 0).get(30, TimeUnit.SECONDS);
        int txn = 0;
        while (txn < 60) {
          DivergenceRepairTest.write(w, rnd, ++txn);
        }
        awaitProblem(r, "CRC-32C");
        assertThat(r.status().databases().get("app").divergence().bucketsRepaired()).isZero();
        // A well-formed answer whose rows do not add up to the digest: refused too.
        proxy.tamper.set(res -> {
          BucketRows rows = BucketRows.decode(res.body(), "test");
          List<List<io.walflow.ingest.change.Value>> changed = new ArrayList<>(rows.rows());
          if (!changed.isEmpty()) {
            List<io.walflow.ingest.change.Value> row = new ArrayList<>(changed.get(0));
            row.set(1, io.walflow.ingest.change.Value.of("forged"));
            changed.set(0, row);
          }
          return new Proxy.Answer(200, new BucketRows(rows.db(), rows.table(), rows.lsn(), rows.buckets(), rows.ids(),
              rows.keyWidth(), rows.columns(), rows.keys(), changed).encode());
        });
        while (txn < 90) {
          DivergenceRepairTest.write(w, rnd, ++txn);
        }
        awaitProblem(r, "do not add up to its digest");
        assertThat(r.status().databases().get("app").divergence().bucketsRepaired()).isZero();
        assertThat(Verifier.verify(db, Optional.of(data), ReplicaView.over(r), "app", Duration.ofSeconds(30), dir, 10)
            .equal()).as("the lost change is still missing: nothing was applied").isFalse();
        // The capture node says it no longer holds the LSN: the replica bootstraps again from the newest snapshot.
        proxy.tamper.set(res -> new Proxy.Answer(410,
            "{\"error\":\"the log holds no snapshot of 'app' at or before LSN 1\"}".getBytes()));
        while (txn < 100) {
          DivergenceRepairTest.write(w, rnd, ++txn);
        }
        c.awaitDurable("app", txn).get(60, TimeUnit.SECONDS);
        Awaitility.await("a resnapshot").atMost(90, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(20))
            .until(() -> r.status().databases().get("app").repair().resnapshots() > 0);
        assertThat(r.status().databases().get("app").repair().resnapshots()).isPositive();
        DivergenceRepairTest.awaitEqual(r, db, data, txn, "a resnapshot");

        BucketClient direct = new BucketClient(server.baseUrl(), Optional.empty());
        assertThatThrownBy(() -> direct.fetch("nosuch", "t", 5, 64, new int[] {1, 2}))
            .isInstanceOf(RangeGoneException.class).hasMessageContaining("no snapshot of 'nosuch'");
        assertThatThrownBy(() -> direct.fetch("app", "nosuch", 5, 64, new int[] {1}))
            .hasMessageContaining("404").hasMessageContaining("no table 'nosuch'");
      }
    }
  }

  private static void awaitProblem(Replica r, String what) {
    Awaitility.await("a divergence failure naming '" + what + "'").atMost(90, TimeUnit.SECONDS)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> r.status().databases().get("app").divergence().lastProblem().filter(p -> p.contains(what)).isPresent());
  }
}
