package io.walflow.views.stream;

import io.walflow.dataflow.ViewEngine;
import io.walflow.ingest.change.Value;
import io.walflow.views.EncodedEvent;
import io.walflow.views.ViewsConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Schedulers;

/**
 * The shared streams, one per (view, parameters) with subscribers (or lingering after its last
 * one left), and the ticker that sends progress events and closes idle streams. Thread-safe.
 */
public final class StreamRegistry implements AutoCloseable {
  private final ViewEngine engine;
  private final ViewsConfig config;
  private final Map<StreamKey, SharedStream> streams = new ConcurrentHashMap<>();
  /** The views' own delivery threads, for subscribers that name no executor. */
  private final ExecutorService[] drainThreads;
  private final DeliveryLane[] drainLanes;
  private final AtomicInteger nextLane = new AtomicInteger();
  /** One lane per executor subscribers asked to be delivered on (the HTTP server's event loops). */
  private final Map<Executor, DeliveryLane> executorLanes = new ConcurrentHashMap<>();
  private final Disposable ticker;
  private volatile boolean closed;

  public StreamRegistry(ViewEngine engine, ViewsConfig config) {
    this.engine = engine;
    this.config = config;
    int n = Math.max(2, Runtime.getRuntime().availableProcessors());
    this.drainThreads = new ExecutorService[n];
    this.drainLanes = new DeliveryLane[n];
    for (int i = 0; i < n; i++) {
      String name = "walflow-views-drain-" + (i + 1);
      drainThreads[i] = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
      });
      drainLanes[i] = new DeliveryLane(drainThreads[i]);
    }
    long every = config.progressInterval().toNanos();
    this.ticker = Schedulers.parallel().schedulePeriodically(this::tick, every, every, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /**
   * Subscribes to the stream of (view, coerced params); see {@code ViewService.subscribe}. The
   * parameters must already be coerced and counted.
   */
  public Flux<EncodedEvent> subscribe(String view, List<Value> params, OptionalLong fromLsn,
      Optional<Executor> deliverOn) {
    StreamKey key = new StreamKey(view, params);
    DeliveryLane lane = deliverOn.map(e -> executorLanes.computeIfAbsent(e, DeliveryLane::new))
        .orElseGet(() -> drainLanes[Math.floorMod(nextLane.getAndIncrement(), drainLanes.length)]);
    return Flux.<EncodedEvent>create(sink -> {
      if (closed) {
        sink.error(new IllegalStateException("the views service is closed"));
        return;
      }
      while (true) {
        SharedStream stream = open(key);
        Subscriber s = new Subscriber(stream, sink, config.bufferSize(), config.overflow(), lane);
        sink.onRequest(n -> s.schedule());
        sink.onDispose(() -> {
          s.cancel();
          stream.detach(s);
          if (config.linger().isZero()) {
            closeIfIdle(stream);
          }
        });
        if (stream.attach(s, fromLsn)) {
          return;
        }
      }
    }, FluxSink.OverflowStrategy.ERROR);
  }

  private SharedStream open(StreamKey key) {
    SharedStream s = streams.get(key);
    if (s != null) {
      return s;
    }
    synchronized (this) {
      s = streams.get(key);
      if (s == null) {
        s = new SharedStream(key, engine, config);
        s.start();
        streams.put(key, s);
      }
      return s;
    }
  }

  private void closeIfIdle(SharedStream s) {
    synchronized (this) {
      if (s.closeIfIdle(config.linger())) {
        streams.remove(s.key(), s);
      }
    }
  }

  private void tick() {
    for (SharedStream s : streams.values()) {
      s.tick();
      closeIfIdle(s);
    }
  }

  /** Streams open (with subscribers or lingering). */
  public int streams() {
    return streams.size();
  }

  @Override
  public String toString() {
    return "StreamRegistry" + streams.values();
  }

  /** Subscribers over all streams. */
  public int subscribers() {
    int n = 0;
    for (SharedStream s : streams.values()) {
      n += s.subscriberCount();
    }
    return n;
  }

  /** The last LSN any stream of {@code view} reported, or -1. */
  public long streamLsn(String view) {
    long max = -1;
    for (SharedStream s : streams.values()) {
      if (s.key().view().equals(view)) {
        max = Math.max(max, s.streamLsn());
      }
    }
    return max;
  }

  /** Closes and forgets every stream of {@code view} (it was dropped); its subscribers complete. */
  public void closeView(String view) {
    List<SharedStream> gone = new ArrayList<>();
    synchronized (this) {
      streams.values().removeIf(s -> {
        if (s.key().view().equals(view)) {
          gone.add(s);
          return true;
        }
        return false;
      });
    }
    gone.forEach(SharedStream::close);
  }

  /** Completes every subscriber and closes every engine subscription. */
  @Override
  public void close() {
    closed = true;
    ticker.dispose();
    List<SharedStream> all;
    synchronized (this) {
      all = new ArrayList<>(streams.values());
      streams.clear();
    }
    all.forEach(SharedStream::close);
    for (ExecutorService t : drainThreads) {
      t.shutdown();
    }
  }
}
