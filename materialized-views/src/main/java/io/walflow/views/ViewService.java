package io.walflow.views;

import io.walflow.dataflow.BadParametersException;
import io.walflow.dataflow.NoSuchViewException;
import io.walflow.dataflow.ViewEngine;
import io.walflow.dataflow.ViewInfo;
import io.walflow.ingest.change.Value;
import io.walflow.views.stream.StreamRegistry;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Executor;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * Live subscriptions to views of a {@link ViewEngine}, as Reactor streams.
 *
 * <pre>{@code
 * ViewService views = new ViewService(engine, ViewsConfig.defaults());
 * views.subscribe("top", List.of(Value.of(42)), OptionalLong.empty())
 *     .subscribe(event -> ...);   // Snapshot, then Delta/Progress, in LSN order
 * }</pre>
 *
 * <p>Guarantees (see {@code docs/views.md}): the first event is a snapshot consistent at its LSN;
 * then exactly one {@link ViewEvent.Delta} per later source transaction that changed the
 * subscribed rows, in LSN order, and a {@link ViewEvent.Progress} every {@link
 * ViewsConfig#progressInterval()}. With {@code fromLsn}, a subscriber that holds the rows as of
 * that LSN gets exactly the deltas after it, or — when they are no longer in the history — a
 * snapshot flagged {@code resync}. A subscriber slower than its buffer never slows the engine or
 * other subscribers: past {@link ViewsConfig#bufferSize()} its pending deltas become one resync
 * snapshot ({@link OverflowPolicy#CONFLATE}) or it fails ({@link OverflowPolicy#FAIL}).
 * Subscribers to the same view and parameters share one engine subscription and one encoding of
 * each delta.
 *
 * <p>Thread-safe. {@link #close()} completes every subscription; it does not close the engine.
 */
public final class ViewService implements AutoCloseable {
  private final ViewEngine engine;
  private final ViewsConfig config;
  private final StreamRegistry streams;

  public ViewService(ViewEngine engine, ViewsConfig config) {
    this.engine = engine;
    this.config = config;
    this.streams = new StreamRegistry(engine, config);
  }

  public ViewEngine engine() {
    return engine;
  }

  public ViewsConfig config() {
    return config;
  }

  /**
   * Subscribes to a view's rows for {@code params} (coerced to the parameters' affinities). Errors
   * are signalled to the subscriber: {@link NoSuchViewException}, {@link BadParametersException},
   * {@link FutureLsnException} (a {@code fromLsn} beyond the view's watermark).
   */
  public Flux<ViewEvent> subscribe(String view, List<Value> params, OptionalLong fromLsn) {
    return subscribeEncoded(view, params, fromLsn).map(EncodedEvent::event);
  }

  /** As {@link #subscribe}, with each event's shared wire forms (what the HTTP server sends). */
  public Flux<EncodedEvent> subscribeEncoded(String view, List<Value> params, OptionalLong fromLsn) {
    return subscribeEncoded(view, params, fromLsn, Optional.empty());
  }

  /**
   * As {@link #subscribeEncoded(String, List, OptionalLong)}, with the events delivered on {@code
   * deliverOn} (empty: the service's delivery threads). The HTTP server passes the connection's
   * Netty event loop, which then writes each event without a further thread hop; the executor's
   * tasks must not block, as the delivery of events never does.
   */
  public Flux<EncodedEvent> subscribeEncoded(String view, List<Value> params, OptionalLong fromLsn,
      Optional<Executor> deliverOn) {
    return Flux.defer(() -> streams.subscribe(view, prepare(view, params, fromLsn), fromLsn, deliverOn))
        .subscribeOn(Schedulers.boundedElastic());
  }

  /**
   * Checks a subscription's arguments without subscribing; returns the coerced parameters.
   *
   * @throws NoSuchViewException when there is no such view
   * @throws BadParametersException when the number of parameters is wrong
   * @throws FutureLsnException when {@code fromLsn} is beyond the view's watermark
   */
  public List<Value> prepare(String view, List<Value> params, OptionalLong fromLsn) {
    ViewInfo info = info(view);
    List<Value> args = Arguments.coerce(info, params);
    if (fromLsn.isPresent()) {
      long watermark = Math.max(info.watermark(), streams.streamLsn(view));
      if (fromLsn.getAsLong() > watermark) {
        throw new FutureLsnException(view, fromLsn.getAsLong(), watermark);
      }
      if (fromLsn.getAsLong() < 0) {
        throw new BadParametersException("fromLsn must be >= 0, got " + fromLsn.getAsLong());
      }
    }
    return args;
  }

  /**
   * The view's description.
   *
   * @throws NoSuchViewException when there is no such view
   */
  public ViewInfo info(String view) {
    return engine.view(view).orElseThrow(() -> new NoSuchViewException(view,
        engine.views().stream().map(ViewInfo::name).toList()));
  }

  /** Drops a view in the engine and completes its subscriptions. */
  public void dropView(String view) {
    engine.dropView(view);
    streams.closeView(view);
  }

  /** Number of open (view, parameters) streams. */
  public int streams() {
    return streams.streams();
  }

  /** Number of subscribers over all streams. */
  public int subscribers() {
    return streams.subscribers();
  }

  @Override
  public String toString() {
    return "ViewService{" + streams + "}";
  }

  @Override
  public void close() {
    streams.close();
  }
}
