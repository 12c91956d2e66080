package io.walflow.app.bench;

import io.netty.buffer.ByteBuf;
import io.walflow.dataflow.DataflowConfig;
import io.walflow.ingest.CaptureConfig;
import io.walflow.ingest.change.IntegerValue;
import io.walflow.ingest.change.Value;
import io.walflow.views.ViewEvent;
import io.walflow.views.ViewsConfig;
import io.walflow.views.client.WalflowClient;
import io.walflow.views.http.Access;
import io.walflow.views.http.HttpConfig;
import io.walflow.views.stack.StackConfig;
import io.walflow.views.stack.ViewStack;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * {@code walflow bench --suite views}: live views end to end (issue 7, "Benchmark"), on the whole
 * {@code walflow run} stack (capture, log, engine, views service, HTTP on loopback, commit window 0).
 *
 * <ol>
 *   <li>commit in SQLite → delta received by an SSE subscriber ({@link WalflowClient}), p50/p99,
 *       single-row commits paced at 100/s after as many unmeasured warm-up commits (latency, not
 *       queueing: the whole stack shares 2 cores with the writer);
 *   <li>fan-out: 10,000 in-process subscribers, and 10,000 SSE subscribers ({@link WalflowClient}
 *       in a child JVM, {@link SseFanOutClients}), to one view and key, time from the commit to the
 *       last one receiving its delta;
 *   <li>lookups/s of a parameterized query over HTTP (16 keep-alive connections, 16 in flight; answers
 *       read as bytes, and again parsed by {@link WalflowClient}) and in-process, against SQLite
 *       running the same prepared query in the same run.
 * </ol>
 *
 * <p>Run with {@code ./walflow bench --suite views}.
 */
final class ViewsSuite implements Suite {
  private static final String SQL = "SELECT id, amount FROM orders WHERE customer = ?";
  private static final int CUSTOMERS = 100;
  private static final int PREFILL = 10_000;
  private static final int IN_FLIGHT = 16;
  private static final String TOKEN = "bench-token-0123456789";
  private static final double P99_GOAL_MS = 5;
  private static final int FAN_OUT = 10_000;
  private static final int WARM_UP_COMMITS = 300;

  @Override
  public String name() {
    return "views";
  }

  @Override
  public String description() {
    return "commit->SSE delta p50/p99, fan-out to 10,000 subscribers, lookups/s over HTTP and in-process vs SQLite";
  }

  @Override
  public List<Row> run(BenchSettings settings, Workspace workspace, Progress progress, Report report) throws Exception {
    Path dir = workspace.newDir("views");
    Path db = dir.resolve("app.db");
    List<Row> rows = new ArrayList<>();
    try (Connection w = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      try (Statement st = w.createStatement()) {
        st.execute("PRAGMA journal_mode=WAL");
        st.execute("PRAGMA synchronous=NORMAL");
        st.execute("CREATE TABLE orders(id INTEGER PRIMARY KEY, customer INTEGER NOT NULL, amount INTEGER)");
        st.execute("CREATE INDEX orders_customer ON orders(customer)");
      }
      w.setAutoCommit(false);
      try (PreparedStatement ins = w.prepareStatement("INSERT INTO orders(customer, amount) VALUES (?, ?)")) {
        for (int i = 0; i < PREFILL; i++) {
          ins.setInt(1, i % CUSTOMERS);
          ins.setInt(2, i);
          ins.executeUpdate();
        }
      }
      w.commit();
      w.setAutoCommit(true);
      StackConfig config = new StackConfig(CaptureConfig.defaults(dir.resolve("data")).withDatabase("app", db),
          DataflowConfig.defaults(dir.resolve("state")), ViewsConfig.defaults().withBuffer(4096,
              io.walflow.views.OverflowPolicy.CONFLATE),
          HttpConfig.defaults(Access.token(TOKEN)).withRate(1e9, 1_000_000_000)
              .withLimits(64 << 10, 16 << 10, 100_000),
          Map.of("by_customer", SQL), Duration.ofMinutes(2));
      progress.say("views: starting the stack (capture, engine, HTTP)…");
      try (ViewStack stack = ViewStack.start(config);
          WalflowClient client = WalflowClient.create(URI.create("http://127.0.0.1:" + stack.http().port()),
              Optional.of(TOKEN))) {
        rows.addAll(latency(settings, progress, stack, client, w));
        rows.addAll(fanOut(progress, stack, w, dir));
        rows.addAll(lookups(settings, progress, stack, client, w));
      }
    }
    report.note("views: one SQLite database (orders, " + PREFILL + " rows over " + CUSTOMERS + " customers), view "
        + SQL + "; the stack as walflow run starts it (commit window 0, local durability), HTTP on loopback.");
    return rows;
  }

  private static long insert(Connection w, PreparedStatement ins, int customer) throws Exception {
    ins.setInt(1, customer);
    ins.setInt(2, 1);
    ins.executeUpdate();
    return System.nanoTime();
  }

  private List<Row> latency(BenchSettings settings, Progress progress, ViewStack stack, WalflowClient client,
      Connection w) throws Exception {
    int commits = Math.max(200, settings.seconds() * 60);
    long intervalNanos = TimeUnit.SECONDS.toNanos(1) / Math.min(100, settings.latencyRate());
    progress.say("views: commit->SSE delta latency, %d commits…", commits);
    Map<Long, Long> received = new ConcurrentHashMap<>();
    Disposable sub = client.subscribe("by_customer", List.of("7"), OptionalLong.empty())
        .subscribe(e -> {
          if (e instanceof ViewEvent.Delta) {
            received.put(e.lsn(), System.nanoTime());
          }
        });
    Map<Long, Long> inProcess = new ConcurrentHashMap<>();
    Disposable local = stack.views().subscribe("by_customer", List.of(Value.of(7)), OptionalLong.empty())
        .subscribe(e -> {
          if (e instanceof ViewEvent.Delta) {
            inProcess.put(e.lsn(), System.nanoTime());
          }
        });
    Thread.sleep(500);
    // Warm-up, not measured: the same paced commits, so that the path's classes are loaded and
    // its code compiled before the measured ones (class loading and JIT compilation otherwise
    // compete for the 2 CPUs during the first seconds, and metaspace growth triggers GC cycles).
    progress.say("views: warming up the path, %d commits (not measured)…", WARM_UP_COMMITS);
    long warmBase = stack.appliedLsn("app");
    try (PreparedStatement ins = w.prepareStatement("INSERT INTO orders(customer, amount) VALUES (?, ?)")) {
      long next = System.nanoTime();
      for (int i = 1; i <= WARM_UP_COMMITS; i++) {
        insert(w, ins, 7);
        next += intervalNanos;
        long sleep = next - System.nanoTime();
        if (sleep > 0) {
          TimeUnit.NANOSECONDS.sleep(sleep);
        }
      }
    }
    long warmDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!received.containsKey(warmBase + WARM_UP_COMMITS) && System.nanoTime() < warmDeadline) {
      Thread.sleep(10); // the warm-up's last delta, polled outside the measured window
    }
    received.clear();
    inProcess.clear();
    long base = stack.appliedLsn("app");
    long[] gcBefore = gc();
    Map<Long, Long> committed = new ConcurrentHashMap<>();
    Map<Long, Long> durable = new ConcurrentHashMap<>();
    stack.capture().onDurable((name, lsn, at) -> durable.put(lsn, at));
    try (PreparedStatement ins = w.prepareStatement("INSERT INTO orders(customer, amount) VALUES (?, ?)")) {
      long next = System.nanoTime();
      for (int i = 1; i <= commits; i++) {
        committed.put(base + i, insert(w, ins, 7));
        next += intervalNanos;
        long sleep = next - System.nanoTime();
        if (sleep > 0) {
          TimeUnit.NANOSECONDS.sleep(sleep);
        }
      }
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (received.size() < commits && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    long[] gcAfter = gc();
    String gcNote = (gcAfter[0] - gcBefore[0]) + " GC pauses, " + (gcAfter[1] - gcBefore[1])
        + " ms in GC while the measured commits ran";
    progress.say("views:   %s", gcNote);
    sub.dispose();
    local.dispose();
    Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    for (Map.Entry<Long, Long> c : committed.entrySet()) {
      Long r = received.get(c.getKey());
      if (r != null) {
        h.recordValue(Math.max(0, TimeUnit.NANOSECONDS.toMicros(r - c.getValue())));
      }
    }
    Histogram fromDurable = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    for (Map.Entry<Long, Long> d : durable.entrySet()) {
      Long r = received.get(d.getKey());
      if (r != null && committed.containsKey(d.getKey())) {
        fromDurable.recordValue(Math.max(0, TimeUnit.NANOSECONDS.toMicros(r - d.getValue())));
      }
    }
    Histogram toLocal = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    Histogram localToSse = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    for (Map.Entry<Long, Long> d : durable.entrySet()) {
      Long l = inProcess.get(d.getKey());
      Long r = received.get(d.getKey());
      if (l != null && committed.containsKey(d.getKey())) {
        toLocal.recordValue(Math.max(0, TimeUnit.NANOSECONDS.toMicros(l - d.getValue())));
        if (r != null) {
          localToSse.recordValue(Math.max(0, TimeUnit.NANOSECONDS.toMicros(r - l)));
        }
      }
    }
    progress.say("views:   durable->in-process delta (follower, engine, views) p50 %.2f ms, p99 %.2f ms; "
        + "in-process->SSE client p50 %.2f ms, p99 %.2f ms", toLocal.getValueAtPercentile(50) / 1000.0,
        toLocal.getValueAtPercentile(99) / 1000.0, localToSse.getValueAtPercentile(50) / 1000.0,
        localToSse.getValueAtPercentile(99) / 1000.0);
    Optional<String> problem = received.size() < commits
        ? Optional.of((commits - received.size()) + " of " + commits + " deltas never arrived") : Optional.empty();
    double p50 = h.getValueAtPercentile(50) / 1000.0;
    double p99 = h.getValueAtPercentile(99) / 1000.0;
    String detail = commits + " single-row commits at " + (TimeUnit.SECONDS.toNanos(1) / intervalNanos)
        + "/s, from executeUpdate() returning to WalflowClient receiving the delta; max "
        + h.getMaxValue() / 1000.0 + " ms; " + gcNote;
    progress.say("views:   p50 %.2f ms, p99 %.2f ms", p50, p99);
    double dp50 = fromDurable.getValueAtPercentile(50) / 1000.0;
    double dp99 = fromDurable.getValueAtPercentile(99) / 1000.0;
    progress.say("views:   durable->delta (log follower, engine, views, HTTP, client) p50 %.2f ms, p99 %.2f ms", dp50, dp99);
    String durableDetail = "the part after capture: from Capture.onDurable's timestamp to WalflowClient receiving the delta";
    String localDetail = "from Capture.onDurable's timestamp to an in-process ViewService subscriber receiving the delta";
    double lp50 = toLocal.getValueAtPercentile(50) / 1000.0;
    double lp99 = toLocal.getValueAtPercentile(99) / 1000.0;
    return List.of(
        new Row("views", "durable->in-process delta p50", "ms", lp50, OptionalDouble.empty(), new Goal.None(),
            List.of(lp50), List.of(), localDetail, problem),
        new Row("views", "durable->in-process delta p99", "ms", lp99, OptionalDouble.empty(), new Goal.None(),
            List.of(lp99), List.of(), localDetail, problem),
        new Row("views", "durable->SSE delta p50", "ms", dp50, OptionalDouble.empty(), new Goal.None(), List.of(dp50),
            List.of(), durableDetail, problem),
        new Row("views", "durable->SSE delta p99", "ms", dp99, OptionalDouble.empty(), new Goal.None(), List.of(dp99),
            List.of(), durableDetail, problem),
        new Row("views", "commit->SSE delta p50", "ms", p50, OptionalDouble.empty(), new Goal.None(), List.of(p50),
            List.of(), detail, problem),
        new Row("views", "commit->SSE delta p99", "ms", p99, OptionalDouble.empty(),
            new Goal.AtMost(P99_GOAL_MS, "ms", "issue 7: p99 <= 5 ms with commit window 0"), List.of(p99), List.of(),
            detail, problem));
  }

  /** Collections and milliseconds spent in them so far, over all of the JVM's collectors. */
  private static long[] gc() {
    long count = 0;
    long millis = 0;
    for (java.lang.management.GarbageCollectorMXBean b : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
      count += Math.max(0, b.getCollectionCount());
      millis += Math.max(0, b.getCollectionTime());
    }
    return new long[] {count, millis};
  }

  private List<Row> fanOut(Progress progress, ViewStack stack, Connection w, Path dir) throws Exception {
    List<Row> rows = new ArrayList<>();
    int n = FAN_OUT;
    int customer = 13;
    progress.say("views: fan-out to %,d in-process subscribers…", n);
    long lsnBefore = stack.appliedLsn("app");
    AtomicInteger ready = new AtomicInteger();
    AtomicLong lastArrival = new AtomicLong();
    AtomicInteger arrived = new AtomicInteger();
    List<Disposable> subs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      subs.add(stack.views().subscribe("by_customer", List.of(Value.of(customer)), OptionalLong.empty()).subscribe(e -> {
        if (e instanceof ViewEvent.Snapshot) {
          ready.incrementAndGet();
        } else if (e instanceof ViewEvent.Delta d && d.lsn() > lsnBefore) {
          lastArrival.accumulateAndGet(System.nanoTime(), Math::max);
          arrived.incrementAndGet();
        }
      }));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (ready.get() < n && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    long committedAt;
    try (PreparedStatement ins = w.prepareStatement("INSERT INTO orders(customer, amount) VALUES (?, ?)")) {
      committedAt = insert(w, ins, customer);
    }
    while (arrived.get() < n && System.nanoTime() < deadline) {
      Thread.sleep(1);
    }
    double ms = (lastArrival.get() - committedAt) / 1e6;
    Optional<String> problem = arrived.get() < n
        ? Optional.of(arrived.get() + " of " + n + " subscribers got the delta (" + ready.get() + " had a snapshot)")
        : Optional.empty();
    progress.say("views:   last of %,d received the delta %.1f ms after the commit", n, ms);
    rows.add(new Row("views", "fan-out: commit->last of " + String.format("%,d", n) + " in-process subscribers", "ms",
        ms, OptionalDouble.empty(), new Goal.None(), List.of(ms), List.of(),
        "one engine subscription shared by all; one single-row commit", problem));
    subs.forEach(Disposable::dispose);
    rows.add(sseFanOut(progress, stack, w, dir));
    return rows;
  }

  /**
   * {@link #FAN_OUT} SSE subscribers held by {@link SseFanOutClients} in a child JVM (the server's
   * process holds one end of each connection, the child the other: 10,000 each, under this
   * machine's hard limit of 20,000 file descriptors per process); time from the commit to the last
   * subscriber receiving its delta, both read from the machine's monotonic clock.
   */
  private Row sseFanOut(Progress progress, ViewStack stack, Connection w, Path dir) throws Exception {
    int n = FAN_OUT;
    String customer = "11";
    progress.say("views: fan-out to %,d SSE connections (WalflowClient in a child JVM)…", n);
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.add("-Xmx1g");
    for (String a : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.matches("-XX:[+-]Use\\w+GC") || a.startsWith("-XX:SoftMaxHeapSize")) {
        cmd.add(a); // the same collector as this process
      }
    }
    cmd.add("-cp");
    cmd.add(java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        .filter(e -> !e.isEmpty()).map(e -> Path.of(e).toAbsolutePath().toString())
        .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator)));
    cmd.add(SseFanOutClients.class.getName());
    cmd.add("http://127.0.0.1:" + stack.http().port());
    cmd.add(TOKEN);
    cmd.add("by_customer");
    cmd.add(customer);
    cmd.add(Integer.toString(n));
    Path log = dir.resolve("sse-clients.log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().remove("JAVA_TOOL_OPTIONS");
    pb.environment().remove("JDK_JAVA_OPTIONS");
    Process child = pb.start();
    java.util.concurrent.BlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(),
          java.nio.charset.StandardCharsets.UTF_8))) {
        for (String l = r.readLine(); l != null; l = r.readLine()) {
          lines.add(l);
        }
      } catch (java.io.IOException e) {
        lines.add("EXIT " + e);
      }
    }, "views-sse-clients-output");
    reader.setDaemon(true);
    reader.start();
    try {
      String[] readyLine = awaitLine(lines, "READY", Duration.ofMinutes(4), child, log);
      int ready = Integer.parseInt(readyLine[1]);
      long committedAt;
      try (PreparedStatement ins = w.prepareStatement("INSERT INTO orders(customer, amount) VALUES (?, ?)")) {
        committedAt = insert(w, ins, Integer.parseInt(customer));
      }
      String[] done = awaitLine(lines, "DONE", Duration.ofMinutes(3), child, log);
      int arrived = Integer.parseInt(done[1]);
      double ms = (Long.parseLong(done[2]) - committedAt) / 1e6;
      double firstMs = (Long.parseLong(done[3]) - committedAt) / 1e6;
      progress.say("views:   last of %,d SSE subscribers received the delta %.1f ms after the commit (first %.1f ms)", n,
          ms, firstMs);
      Optional<String> problem = arrived < n
          ? Optional.of(arrived + " of " + n + " SSE subscribers got the delta (" + ready + " had a snapshot)")
          : Optional.empty();
      return new Row("views", "fan-out: commit->last of " + String.format("%,d", n) + " SSE subscribers (child JVM)",
          "ms", ms, OptionalDouble.empty(), new Goal.None(), List.of(ms), List.of(), "one engine subscription shared "
          + "by all; one single-row commit; WalflowClient subscriptions in a child JVM, one connection each; the "
          + "first received it after " + String.format("%.1f", firstMs) + " ms", problem);
    } finally {
      child.getOutputStream().close();
      if (!child.waitFor(30, TimeUnit.SECONDS)) {
        child.destroyForcibly();
      }
    }
  }

  /** The child's next line starting with {@code prefix}, split on spaces; fails if it exits or takes too long. */
  private static String[] awaitLine(java.util.concurrent.BlockingQueue<String> lines, String prefix, Duration timeout,
      Process child, Path log) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      String l = lines.poll(100, TimeUnit.MILLISECONDS);
      if (l != null && l.startsWith(prefix + " ")) {
        return l.split(" ");
      }
      if (l == null && !child.isAlive() && lines.isEmpty()) {
        throw new IllegalStateException("the SSE client JVM exited with " + child.exitValue() + " before '" + prefix
            + "' (see " + log + ")");
      }
    }
    throw new IllegalStateException("the SSE client JVM did not say '" + prefix + "' within " + timeout + " (see " + log
        + ")");
  }

  private List<Row> lookups(BenchSettings settings, Progress progress, ViewStack stack, WalflowClient client,
      Connection w) throws Exception {
    long nanos = TimeUnit.SECONDS.toNanos(Math.max(2, settings.seconds() / 2));
    progress.say("views: lookups/s (HTTP, in-process, SQLite)…");
    // Warm every key so that partial state answers from memory, as it does in steady state.
    for (int c = 0; c < CUSTOMERS; c++) {
      stack.dataflow().lookup("by_customer", List.of(Value.of(c)), 0, Duration.ofSeconds(5));
    }
    long n = 0;
    long start = System.nanoTime();
    while (System.nanoTime() - start < nanos) {
      stack.dataflow().lookup("by_customer", List.of(Value.of(n++ % CUSTOMERS)), 0, Duration.ZERO);
    }
    double inProcess = n / ((System.nanoTime() - start) / 1e9);
    n = 0;
    start = System.nanoTime();
    try (PreparedStatement q = w.prepareStatement(SQL)) {
      while (System.nanoTime() - start < nanos) {
        q.setLong(1, n++ % CUSTOMERS);
        try (ResultSet rs = q.executeQuery()) {
          while (rs.next()) {
            rs.getLong(1);
            rs.getLong(2);
          }
        }
      }
    }
    double sqlite = n / ((System.nanoTime() - start) / 1e9);
    checkAgainstSqlite(client, w, 7);
    int port = stack.http().port();
    httpLookups(port, TimeUnit.SECONDS.toNanos(1), new long[2]);
    long[] bytes = new long[2];
    double http = httpLookups(port, nanos, bytes);
    AtomicLong counter = new AtomicLong();
    long clientStart = System.nanoTime();
    long clientEnd = clientStart + nanos;
    Long done = Flux.generate(sink -> sink.next(counter.getAndIncrement()))
        .takeWhile(i -> System.nanoTime() < clientEnd)
        .flatMap(i -> client.lookup("by_customer", List.of(Long.toString((Long) i % CUSTOMERS)), OptionalLong.empty(),
            Duration.ZERO), IN_FLIGHT)
        .count().block(Duration.ofMinutes(2));
    double parsed = done / ((System.nanoTime() - clientStart) / 1e9);
    double cpuMicros = bytes[1] / 1000.0;
    progress.say("views:   in-process %.0f/s, HTTP %.0f/s (%.0f us of CPU each, server and client; WalflowClient, "
        + "parsed: %.0f/s), SQLite %.0f/s", inProcess, http, cpuMicros, parsed, sqlite);
    long answerBytes = bytes[0];
    String detail = "query " + SQL + " over " + CUSTOMERS + " keys of ~" + (PREFILL / CUSTOMERS) + " rows; "
        + (nanos / 1_000_000_000) + " s each; SQLite: one connection, prepared statement, rows read";
    String httpDetail = "; HTTP: loopback, " + IN_FLIGHT + " keep-alive connections, " + IN_FLIGHT
        + " requests in flight, every key resident (warmed), answers of ~" + answerBytes + " bytes of JSON";
    return List.of(
        new Row("views", "lookups/s in-process vs SQLite", "lookups/s", inProcess, OptionalDouble.of(sqlite),
            new Goal.None(), List.of(inProcess), List.of(sqlite), detail + "; in-process: one thread", Optional.empty()),
        new Row("views", "lookups/s over HTTP vs SQLite", "lookups/s", http, OptionalDouble.of(sqlite),
            new Goal.None(), List.of(http), List.of(sqlite), detail + httpDetail
            + ", read as bytes (status checked, not parsed), after 1 s of warm-up; client and server share the cores",
            Optional.empty()),
        new Row("views", "CPU per HTTP lookup, server and client", "us", cpuMicros, OptionalDouble.empty(),
            new Goal.None(), List.of(cpuMicros), List.of(), "the process's CPU time over the HTTP run above divided by "
            + "its lookups (server and byte-reading client in one process)", Optional.empty()),
        new Row("views", "lookups/s over HTTP, WalflowClient (parses JSON) vs SQLite", "lookups/s", parsed,
            OptionalDouble.of(sqlite), new Goal.None(), List.of(parsed), List.of(sqlite), detail + httpDetail
            + ", each answer parsed into rows by WalflowClient", Optional.empty()));
  }

  /**
   * Lookups/s the server answers over {@code nanos}: {@link #IN_FLIGHT} keep-alive connections each
   * with one request in flight, answers read as bytes (a non-200 status fails the run). Sets
   * {@code answerBytes[0]} to the mean answer size and {@code answerBytes[1]} to the process's CPU
   * time per lookup in ns (server and client: a measure of work that the machine's load does not
   * scale the way it scales throughput).
   */
  private static double httpLookups(int port, long nanos, long[] answerBytes) {
    var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    ConnectionProvider pool = ConnectionProvider.builder("bench-lookups").maxConnections(IN_FLIGHT)
        .pendingAcquireMaxCount(-1).build();
    try {
      HttpClient http = HttpClient.create(pool).baseUrl("http://127.0.0.1:" + port)
          .headers(h -> h.set("Authorization", "Bearer " + TOKEN));
      AtomicLong counter = new AtomicLong();
      AtomicLong bytes = new AtomicLong();
      long cpuStart = os.getProcessCpuTime();
      long start = System.nanoTime();
      long end = start + nanos;
      Long done = Flux.generate(sink -> sink.next(counter.getAndIncrement()))
          .takeWhile(i -> System.nanoTime() < end)
          .flatMap(i -> http.get().uri("/v1/views/by_customer?arg=" + ((Long) i % CUSTOMERS))
              .responseSingle((res, body) -> res.status().code() == 200
                  ? body.map(ByteBuf::readableBytes)
                  : Mono.error(new IllegalStateException("lookup answered " + res.status()))), IN_FLIGHT)
          .doOnNext(bytes::addAndGet)
          .count().block(Duration.ofMinutes(2));
      double perSecond = done / ((System.nanoTime() - start) / 1e9);
      answerBytes[0] = done == 0 ? 0 : bytes.get() / done;
      answerBytes[1] = done == 0 ? 0 : (os.getProcessCpuTime() - cpuStart) / done;
      return perSecond;
    } finally {
      pool.dispose();
    }
  }

  /** Fails the run unless the HTTP answer for {@code customer} holds SQLite's rows for it. */
  private static void checkAgainstSqlite(WalflowClient client, Connection w, long customer) throws Exception {
    List<List<Value>> expected = new ArrayList<>();
    try (PreparedStatement q = w.prepareStatement(SQL)) {
      q.setLong(1, customer);
      try (ResultSet rs = q.executeQuery()) {
        while (rs.next()) {
          expected.add(List.of(Value.of(rs.getLong(1)), Value.of(rs.getLong(2))));
        }
      }
    }
    List<List<Value>> got = new ArrayList<>(client.lookup("by_customer", List.of(Long.toString(customer)),
        OptionalLong.empty(), Duration.ZERO).block(Duration.ofMinutes(1)).rows());
    java.util.Comparator<List<Value>> byId = java.util.Comparator.comparingLong(r -> ((IntegerValue) r.get(0)).value());
    expected.sort(byId);
    got.sort(byId);
    if (!got.equals(expected)) {
      throw new IllegalStateException("HTTP lookup of customer " + customer + " gave " + got.size()
          + " rows that differ from SQLite's " + expected.size());
    }
  }
}
