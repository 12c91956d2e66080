package io.walflow.app.bench;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.Durability;
import io.walflow.ingest.KafkaSettings;
import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.change.Column;
import io.walflow.ingest.change.Op;
import io.walflow.ingest.change.RowChange;
import io.walflow.ingest.change.SchemaChange;
import io.walflow.ingest.change.SchemaOp;
import io.walflow.ingest.change.Value;
import io.walflow.ingest.feed.TransactionSink;
import io.walflow.replica.Freshness;
import io.walflow.replica.Replica;
import io.walflow.replica.ReplicaConfig;
import io.walflow.replica.source.KafkaSource;
import io.walflow.replica.store.KeyCodec;
import io.walflow.replica.store.ReplicaStore;
import io.walflow.replica.store.RowCodec;
import io.walflow.testkit.KafkaBroker;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * {@code walflow bench --suite replica}: the read replica (issue 4, "Benchmark"), side by side with
 * raw RocksDB in the same run.
 *
 * <ol>
 *   <li>Apply rate: the same rows (an {@code items(id INTEGER PRIMARY KEY, k INTEGER, v TEXT)}
 *       table, 100-row transactions, each built just before it is used, as a decoder hands it to
 *       the replica) applied through the replica's sink (key and row encoding, one WriteBatch per
 *       transaction with the watermark, the free-space floor of {@code walflow replica}, cache
 *       invalidation, publication) against raw RocksDB
 *       WriteBatch puts of the same keys and rows as the replica stores them, encoded beforehand
 *       (one batch per 100 rows; same Options and WriteOptions as the replica: write-ahead log on,
 *       no sync). Only the apply call, or the puts and write, is timed. rows/s, medians of max(9,
 *       {@code --repeats}) rounds after two uncounted warm-up rounds, the order of the sides
 *       alternating between rounds; goal ratio ≥ 0.5. The same rounds also write RocksDB's own
 *       serialized batches of those rows (one JNI call per batch, as the replica makes): the
 *       cheapest way to get them into RocksDB, reported beside.
 *   <li>Point-read throughput (one thread): cache hits (a hot set of 1,000 rows, cache warm) and
 *       cache misses (random rows, cache disabled) against raw RocksDB gets of the same keys.
 *   <li>Commit→visible latency through Kafka on loopback: a real broker (child JVM), capture
 *       publishing with {@code --durability kafka}, a replica consuming it; a paced writer at
 *       {@code --rate} commits/s; from SQLite's {@code commit()} returning to the replica
 *       publishing that LSN to readers, after {@value #WARMUP_SECONDS} s of uncounted warm-up at
 *       the same rate. p50 and p99.
 * </ol>
 *
 * <p>Run with {@code ./walflow bench --suite replica}.
 */
final class ReplicaSuite implements Suite {
  private static final double APPLY_GOAL = 0.5;
  private static final int ROWS_PER_TXN = 100;
  private static final int HOT_ROWS = 1_000;
  /** Seconds of uncounted load through Kafka before the latency run, at the same rate. */
  private static final int WARMUP_SECONDS = 5;
  private static final String DB = "app";
  /** The free-space floor {@code walflow replica} keeps by default (--min-free-disk-mb 256), kept here too. */
  private static final long CLI_MIN_FREE_DISK_BYTES = 256L << 20;
  private static final Instant AT = Instant.parse("2026-01-01T00:00:00Z");

  @Override
  public String name() {
    return "replica";
  }

  @Override
  public String description() {
    return "replica apply rows/s vs raw RocksDB WriteBatch puts; point reads (cache hits, misses) vs raw gets; "
        + "commit->visible latency through Kafka";
  }

  /**
   * Rows of each apply round: 80,000 x --seconds (400,000 with the defaults). Rounds of 100,000
   * rows (about 0.05 s of raw puts) measured mostly JIT and allocation warm-up: ratios from 0.2 to
   * 1.3 between runs.
   */
  private static int rows(BenchSettings s) {
    return s.seconds() * 80_000;
  }

  @Override
  public List<Row> run(BenchSettings settings, Workspace workspace, Progress progress, Report report) throws Exception {
    int rows = rows(settings);
    // Two warm-up rounds of each side first (JIT, RocksDB's library and page cache), not counted;
    // then at least 9 measured rounds whose order alternates (raw first, replica first, …), so that
    // neither side always runs on a machine the other just heated or loaded. The first warm-up
    // tells the table id the replica stores the rows under: the raw sides write the same keys.
    long tableId = -1;
    for (int i = 0; i < 2; i++) {
      Path warm = workspace.newDir("warm-up-" + i);
      applyRate(warm.resolve("replica"), rows);
      if (tableId < 0) {
        tableId = tableId(warm.resolve("replica"));
      }
      raw(warm.resolve("raw"), rows, tableId, false);
      raw(warm.resolve("raw-serialized"), rows, tableId, true);
      workspace.delete(warm);
    }
    int rounds = Math.max(9, settings.repeats());
    List<Double> raw = new ArrayList<>();
    List<Double> rawWhole = new ArrayList<>();
    List<Double> applied = new ArrayList<>();
    List<Double> ratios = new ArrayList<>();
    List<Double> cpuRatios = new ArrayList<>();
    List<Double> cpuWholeRatios = new ArrayList<>();
    Path rawDir = null;
    Path replicaDir = null;
    for (int i = 0; i < rounds; i++) {
      if (rawDir != null) {
        workspace.delete(rawDir);
        workspace.delete(replicaDir);
      }
      rawDir = workspace.newDir("raw-rocksdb-" + i);
      replicaDir = workspace.newDir("replica-" + i);
      Path wholeDir = workspace.newDir("raw-serialized-" + i);
      Rate rawRate;
      Rate wholeRate;
      Rate applyRate;
      if (i % 2 == 0) {
        rawRate = raw(rawDir, rows, tableId, false);
        wholeRate = raw(wholeDir, rows, tableId, true);
        applyRate = applyRate(replicaDir, rows);
      } else {
        applyRate = applyRate(replicaDir, rows);
        wholeRate = raw(wholeDir, rows, tableId, true);
        rawRate = raw(rawDir, rows, tableId, false);
      }
      workspace.delete(wholeDir);
      raw.add(rawRate.wall());
      rawWhole.add(wholeRate.wall());
      applied.add(applyRate.wall());
      ratios.add(applyRate.wall() / rawRate.wall());
      cpuRatios.add(applyRate.cpu() / rawRate.cpu());
      cpuWholeRatios.add(applyRate.cpu() / wholeRate.cpu());
      progress.say("replica: round %d: raw puts %,.0f rows/s, raw serialized batches %,.0f rows/s, replica apply "
          + "%,.0f rows/s (ratio %.2f to raw puts, %.2f to serialized; in CPU time %.2f and %.2f)", i + 1,
          rawRate.wall(), wholeRate.wall(), applyRate.wall(), applyRate.wall() / rawRate.wall(),
          applyRate.wall() / wholeRate.wall(), applyRate.cpu() / rawRate.cpu(), applyRate.cpu() / wholeRate.cpu());
    }
    progress.say("replica: apply/raw ratio per round: median %.2f, min %.2f, max %.2f; in CPU time: median %.2f, "
        + "min %.2f, max %.2f (to serialized batches: median %.2f)", median(ratios), Collections.min(ratios),
        Collections.max(ratios), median(cpuRatios), Collections.min(cpuRatios), Collections.max(cpuRatios),
        median(cpuWholeRatios));
    List<Row> out = new ArrayList<>();
    double rawMedian = median(raw);
    double applyMedian = median(applied);
    out.add(new Row("replica", "apply, 100-row transactions", "rows/s", applyMedian, OptionalDouble.of(rawMedian),
        new Goal.RatioAtLeast(APPLY_GOAL), applied, raw,
        String.format(Locale.ROOT, "%,d rows per round, each transaction built just before it is applied or put (not "
            + "timed), as a decoder hands it over; medians of %d alternating rounds after two warm-up rounds (median "
            + "of the per-round ratios %.2f); baseline: raw WriteBatch puts of the same keys and rows, encoded "
            + "beforehand (not timed), one put per row; in the thread's CPU time the median per-round ratio is %.2f",
            rows, rounds, median(ratios), median(cpuRatios)), Optional.empty()));
    double wholeMedian = median(rawWhole);
    out.add(new Row("replica", "apply, 100-row transactions, vs raw serialized batches", "rows/s", applyMedian,
        OptionalDouble.of(wholeMedian), new Goal.None(), applied, rawWhole,
        String.format(Locale.ROOT, "the same rounds; baseline: the same keys and rows as RocksDB's own serialized "
            + "WriteBatch bytes (built with WriteBatch.put and data() beforehand, not timed), handed over with new "
            + "WriteBatch(byte[]) and written: RocksDB's write alone, one JNI call per batch as the replica makes; "
            + "in the thread's CPU time the median per-round ratio is %.2f", median(cpuWholeRatios)),
        Optional.empty()));
    out.addAll(reads(rawDir, replicaDir, rows, tableId, settings, progress));
    workspace.delete(rawDir);
    workspace.delete(replicaDir);
    out.addAll(latency(workspace, settings, progress));
    return out;
  }

  /**
   * One side's rate in one round: rows per second of wall-clock time, and rows per second of the
   * measuring thread's CPU time (RocksDB writes on the calling thread here: no flush happens in a
   * round), which a machine shared with other work disturbs much less.
   */
  private record Rate(double wall, double cpu) {}

  /** Sums the timed sections of one round, in wall-clock and in the thread's CPU time. */
  private static final class Stopwatch {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private long wall;
    private long cpu;
    private long wallStart;
    private long cpuStart;

    void start() {
      cpuStart = THREADS.getCurrentThreadCpuTime();
      wallStart = System.nanoTime();
    }

    void stop() {
      wall += System.nanoTime() - wallStart;
      cpu += THREADS.getCurrentThreadCpuTime() - cpuStart;
    }

    Rate rate(int rows) {
      return new Rate(rows / (wall / 1e9), rows / (cpu / 1e9));
    }
  }

  /**
   * The transactions of one apply round, built one at a time (as the replica's decoder hands them
   * over, so that each is in the CPU's caches when applied, whatever the round's size): {@code
   * rows} rows of {@code items} inserted, ids 1..rows, 100 per transaction, the same in every round.
   */
  private static final class Transactions {
    private final SplittableRandom random = new SplittableRandom(42);
    private final int rows;
    private long next = 1;

    Transactions(int rows) {
      this.rows = rows;
    }

    boolean hasNext() {
      return next <= rows;
    }

    ChangeSet next() {
      List<RowChange> batch = new ArrayList<>(ROWS_PER_TXN);
      for (; next <= rows && batch.size() < ROWS_PER_TXN; next++) {
        long id = next;
        Map<String, Value> row = new LinkedHashMap<>();
        row.put("id", Value.of(id));
        row.put("k", Value.of((long) random.nextInt(1_000_000)));
        row.put("v", Value.of("row-" + id + "-" + Long.toHexString(random.nextLong())));
        batch.add(new RowChange("items", Op.INSERT, OptionalLong.of(id), Map.of("id", Value.of(id)), Map.of(), row));
      }
      return new ChangeSet(List.of(), batch);
    }
  }

  /** The table id the replica in {@code dir} (closed) stores {@code items} under. */
  private static long tableId(Path dir) {
    try (ReplicaStore store = ReplicaStore.open(dir.resolve("rocksdb"), false)) {
      return store.load().stream().filter(d -> d.db().equals(DB)).findFirst()
          .map(d -> d.tables().get("items").id())
          .orElseThrow(() -> new IllegalStateException("the replica in " + dir + " holds no database " + DB));
    }
  }

  /**
   * A transaction's rows as the replica stores them, [key0, row0, key1, row1, …]: the key {@code
   * 'r' tableId rowid-key} ({@link ReplicaStore#rowKey}) and the {@link RowCodec} row.
   */
  private static byte[][] encoded(ChangeSet t, long tableId) {
    byte[][] kv = new byte[t.rowChanges().size() * 2][];
    int i = 0;
    for (RowChange r : t.rowChanges()) {
      kv[i++] = ReplicaStore.rowKey(tableId, KeyCodec.rowid(r.rowid().getAsLong()));
      kv[i++] = RowCodec.encode(r.after().values().toArray(new Value[0]));
    }
    return kv;
  }

  /**
   * Raw RocksDB: per transaction, its rows encoded beforehand as the replica stores them (not
   * timed), then, timed, one {@code WriteBatch.put} per row and the write; or ({@code serialized})
   * RocksDB's own serialized batch of those puts, built beforehand too, handed over in one call
   * ({@code new WriteBatch(byte[])}) and written.
   */
  private static Rate raw(Path dir, int rows, long tableId, boolean serialized) throws Exception {
    RocksDB.loadLibrary();
    try (Options o = new Options().setCreateIfMissing(true); RocksDB db = RocksDB.open(o, dir.toString());
        WriteOptions w = new WriteOptions()) {
      Stopwatch timed = new Stopwatch();
      for (Transactions txns = new Transactions(rows); txns.hasNext(); ) {
        byte[][] kv = encoded(txns.next(), tableId);
        byte[] data = serialized ? serialized(kv) : null;
        timed.start();
        try (WriteBatch b = serialized ? new WriteBatch(data) : puts(kv)) {
          db.write(w, b);
        }
        timed.stop();
      }
      return timed.rate(rows);
    }
  }

  /** A batch of one put per row of {@code kv} ([key0, row0, key1, row1, …]). */
  private static WriteBatch puts(byte[][] kv) throws RocksDBException {
    WriteBatch b = new WriteBatch();
    for (int i = 0; i < kv.length; i += 2) {
      b.put(kv[i], kv[i + 1]);
    }
    return b;
  }

  /** RocksDB's serialized form of {@link #puts}. */
  private static byte[] serialized(byte[][] kv) throws RocksDBException {
    try (WriteBatch b = puts(kv)) {
      return b.data();
    }
  }

  private static SchemaChange createItems() {
    return new SchemaChange("items", SchemaOp.CREATE_TABLE, "CREATE TABLE items(id INTEGER PRIMARY KEY, k INTEGER, v TEXT)",
        List.of(Column.of("id", "INTEGER", 1, false), Column.of("k", "INTEGER", 0, false), Column.of("v", "TEXT", 0, false)),
        Optional.empty());
  }

  /** Replica apply: per transaction, the replica's sink (its whole apply path), timed. */
  private static Rate applyRate(Path dir, int rows) {
    try (Replica r = Replica.open(ReplicaConfig.of("bench", dir).withMinFreeDiskBytes(CLI_MIN_FREE_DISK_BYTES))) {
      TransactionSink sink = r.sink();
      sink.snapshotBegin(DB, 0, AT);
      sink.snapshotChange(DB, 0, createItems());
      sink.snapshotEnd(DB, 0);
      Stopwatch timed = new Stopwatch();
      long lsn = 0;
      for (Transactions txns = new Transactions(rows); txns.hasNext(); ) {
        ChangeSet t = txns.next();
        timed.start();
        sink.commit(DB, ++lsn, AT, t);
        timed.stop();
      }
      if (r.lsn(DB) != lsn) {
        throw new IllegalStateException("replica applied LSN " + r.lsn(DB) + " of " + lsn + ": " + r.status());
      }
      return timed.rate(rows);
    }
  }

  private static List<Row> reads(Path rawDir, Path replicaDir, int rows, long tableId, BenchSettings settings,
      Progress progress)
      throws Exception {
    int reads = settings.seconds() * 100_000;
    SplittableRandom random = new SplittableRandom(7);
    long[] hot = new long[reads];
    long[] cold = new long[reads];
    for (int i = 0; i < reads; i++) {
      hot[i] = 1 + random.nextInt(HOT_ROWS);
      cold[i] = 1 + random.nextInt(rows);
    }
    double rawHot;
    double rawCold;
    try (Options o = new Options(); RocksDB db = RocksDB.open(o, rawDir.toString())) {
      rawGets(db, tableId, hot); // warm-up
      rawHot = rawGets(db, tableId, hot);
      rawCold = rawGets(db, tableId, cold);
    }
    double hits;
    double hitRate;
    try (Replica r = Replica.open(ReplicaConfig.of("bench", replicaDir))) {
      replicaGets(r, hot); // fills the cache
      hits = replicaGets(r, hot);
      hitRate = r.status().cacheHitRate();
    }
    double misses;
    try (Replica r = Replica.open(ReplicaConfig.of("bench", replicaDir).withCacheRows(HOT_ROWS))) {
      replicaGets(r, cold);
      misses = replicaGets(r, cold);
    }
    progress.say("replica: point reads: cache hits %,.0f/s (raw gets %,.0f/s), misses %,.0f/s (raw gets %,.0f/s)",
        hits, rawHot, misses, rawCold);
    String detail = String.format(Locale.ROOT, "%,d reads in one thread after a warm-up pass; hot set %,d rows "
        + "(hit rate %.3f), misses: random rows of %,d through a %,d-row cache; baseline: RocksDB get() of the same keys",
        reads, HOT_ROWS, hitRate, rows, HOT_ROWS);
    return List.of(
        new Row("replica", "point reads, cache hits", "reads/s", hits, OptionalDouble.of(rawHot), new Goal.None(),
            List.of(hits), List.of(rawHot), detail, Optional.empty()),
        new Row("replica", "point reads, cache misses", "reads/s", misses, OptionalDouble.of(rawCold), new Goal.None(),
            List.of(misses), List.of(rawCold), detail, Optional.empty()));
  }

  private static double rawGets(RocksDB db, long tableId, long[] keys) throws Exception {
    long start = System.nanoTime();
    long found = 0;
    for (long k : keys) {
      if (db.get(ReplicaStore.rowKey(tableId, KeyCodec.rowid(k))) != null) {
        found++;
      }
    }
    if (found != keys.length) {
      throw new IllegalStateException("raw RocksDB found " + found + " of " + keys.length + " keys");
    }
    return keys.length / ((System.nanoTime() - start) / 1e9);
  }

  private static double replicaGets(Replica r, long[] keys) {
    long start = System.nanoTime();
    long found = 0;
    for (long k : keys) {
      if (r.get(DB, "items", List.of(Value.of(k)), Freshness.ANY).row().isPresent()) {
        found++;
      }
    }
    if (found != keys.length) {
      throw new IllegalStateException("the replica found " + found + " of " + keys.length + " keys");
    }
    return keys.length / ((System.nanoTime() - start) / 1e9);
  }

  private static List<Row> latency(Workspace workspace, BenchSettings settings, Progress progress) throws Exception {
    Path dir = workspace.newDir("replica-kafka");
    progress.say("replica: starting a Kafka broker (child JVM)…");
    try (KafkaBroker broker = KafkaBroker.start(dir.resolve("kafka"))) {
      Path dbPath = dir.resolve(DB + ".db");
      int rate = settings.latencyRate();
      long nanos = TimeUnit.SECONDS.toNanos(settings.seconds());
      int capacity = (int) Math.min(10_000_000, (long) rate * settings.seconds() * 5 / 4 + rate + 16);
      long[] committed = new long[capacity];
      long[] visible = new long[capacity];
      try (SqliteWriter writer = SqliteWriter.create(dbPath);
          Capture capture = Capture.start(CaptureConfig.defaults(dir.resolve("walflow")).withDatabase(DB, dbPath)
              .withKafka(KafkaSettings.defaults(broker.bootstrapServers()).withTopic("walflow.bench"))
              .withDurability(Durability.KAFKA));
          Replica replica = Replica.open(ReplicaConfig.of("bench", dir.resolve("replica")))) {
        capture.awaitDurable(DB, 0).get(60, TimeUnit.SECONDS);
        replica.start(new KafkaSource(broker.bootstrapServers(), "walflow.bench", "bench"));
        replica.awaitLsn(DB, 0).get(60, TimeUnit.SECONDS);
        // Warm-up at the same rate, not counted: a cold pipeline (tailer, publisher, consumer, apply,
        // the broker's JVM) keeps up with far fewer commits/s than a compiled one, so that the
        // first seconds build a queue in front of the tailer and the percentiles measured its length.
        progress.say("replica: warm-up through Kafka, %,d commits/s paced: %d s…", rate, WARMUP_SECONDS);
        long warm = writer.run(TimeUnit.SECONDS.toNanos(WARMUP_SECONDS), 1, rate, null).commits();
        replica.awaitLsn(DB, warm).get(120, TimeUnit.SECONDS);
        DurableRecorder acked = new DurableRecorder(DB, (int) (warm + capacity));
        capture.onDurable(acked);
        for (int k = 1; k < capacity; k++) {
          int n = k;
          replica.awaitLsn(DB, warm + n).thenRun(() -> visible[n] = System.nanoTime());
        }
        progress.say("replica: commit->visible through Kafka, %,d commits/s paced: %d s…", rate, settings.seconds());
        SqliteWriter.Load load = writer.run(nanos, 1, rate, committed);
        long last = Math.min(load.commits(), capacity - 1);
        replica.awaitLsn(DB, warm + last).get(120, TimeUnit.SECONDS);
        Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        Histogram kafka = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        for (int k = 1; k <= last; k++) {
          h.recordValue(Math.max(0, Math.min((visible[k] - committed[k]) / 1000, TimeUnit.SECONDS.toMicros(60))));
          if (warm + k <= acked.seen()) {
            kafka.recordValue(Math.max(0,
                Math.min((acked.durableNanos(warm + k) - committed[k]) / 1000, TimeUnit.SECONDS.toMicros(60))));
          }
        }
        double p50 = h.getValueAtPercentile(50) / 1000.0;
        double p99 = h.getValueAtPercentile(99) / 1000.0;
        progress.say("replica:   p50 %.2f ms, p99 %.2f ms, max %.2f ms over %,d commits", p50, p99, h.getMaxValue() / 1000.0, last);
        String detail = String.format(Locale.ROOT, "%,d commits at %.0f/s (target %d/s), one run of %d s after "
            + WARMUP_SECONDS + " s of uncounted warm-up at the same rate; capture "
            + "--durability kafka (acks=all), replica consumer on loopback; p90 %.2f ms, max %.2f ms; of which "
            + "commit->acknowledged by Kafka (capture's share): p50 %.2f ms, p99 %.2f ms",
            last, load.commitsPerSecond(), rate, settings.seconds(), h.getValueAtPercentile(90) / 1000.0,
            h.getMaxValue() / 1000.0, kafka.getValueAtPercentile(50) / 1000.0, kafka.getValueAtPercentile(99) / 1000.0);
        progress.say("replica:   commit->acknowledged by Kafka: p50 %.2f ms, p99 %.2f ms",
            kafka.getValueAtPercentile(50) / 1000.0, kafka.getValueAtPercentile(99) / 1000.0);
        Optional<String> problem = capture.failure().map(Throwable::getMessage);
        return List.of(
            new Row("replica", "commit->visible at replica p50, via Kafka", "ms", p50, OptionalDouble.empty(),
                new Goal.None(), List.of(p50), List.of(), detail, problem),
            new Row("replica", "commit->visible at replica p99, via Kafka", "ms", p99, OptionalDouble.empty(),
                new Goal.None(), List.of(p99), List.of(), detail, problem));
      }
    } finally {
      workspace.delete(dir);
    }
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }
}
