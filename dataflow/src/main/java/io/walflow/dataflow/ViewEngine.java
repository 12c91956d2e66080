package io.walflow.dataflow;

import io.walflow.ingest.change.Value;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Incrementally maintained SQL views over the change stream: what the views service and the
 * embedding application use. Implementations are thread-safe.
 *
 * <p>Every view reads one database; its LSNs are that database's. A view's watermark is the last
 * LSN whose transaction has been applied to the whole graph: lookups and subscriptions never see
 * part of a transaction.
 */
public interface ViewEngine {

  /**
   * Compiles {@code sql} and starts maintaining it. Other views keep running meanwhile.
   *
   * @throws QueryException when the query is not supported or not valid; nothing changes
   * @throws IllegalArgumentException when a view with that name exists
   */
  ViewInfo createView(String name, String sql) throws QueryException;

  /**
   * Stops maintaining a view and releases its state; open subscriptions to it complete.
   *
   * @throws NoSuchViewException when there is no such view
   */
  void dropView(String name);

  /** The views, in creation order. */
  List<ViewInfo> views();

  /** One view, with its current watermark. */
  Optional<ViewInfo> view(String name);

  /**
   * The view's rows for the parameter values, valid at the returned LSN, in the query's ORDER BY
   * order when it has one. Waits up to {@code timeout} until the view has applied {@code minLsn}.
   *
   * @throws NoSuchViewException when there is no such view
   * @throws BadParametersException when the number of parameters is wrong
   * @throws LookupTimeoutException when {@code minLsn} was not reached in time (carries the
   *     view's watermark)
   */
  ViewResult lookup(String view, List<Value> params, long minLsn, Duration timeout)
      throws LookupTimeoutException;

  /**
   * The view's rows for the parameter values when they can be answered at once, without waiting
   * or computing: no transaction is being applied, the view has applied {@code minLsn}, and the
   * key is materialized. Empty otherwise: then {@link #lookup} answers (it may wait or run an
   * upquery). Never blocks, so it may be called on an event loop.
   *
   * @param params makes the parameter values from the view's description (its parameters'
   *     affinities); its exceptions propagate
   * @throws NoSuchViewException when there is no such view
   * @throws BadParametersException when the number of parameters is wrong
   */
  Optional<ViewResult> tryLookup(String view, Function<ViewInfo, List<Value>> params, long minLsn);

  /**
   * Subscribes to the view's rows for the parameter values: the returned subscription's {@link
   * ViewSubscription#snapshot()} is consistent at its LSN, and {@code listener} receives, in LSN
   * order, exactly one {@link ViewDelta} for each later transaction that changed these rows and a
   * watermark notice for every applied transaction. The key stays materialized (never evicted)
   * until the subscription is closed.
   *
   * @throws NoSuchViewException when there is no such view
   * @throws BadParametersException when the number of parameters is wrong
   */
  ViewSubscription subscribe(String view, List<Value> params, ViewListener listener);
}
