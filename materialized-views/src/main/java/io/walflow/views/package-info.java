/**
 * Materialized views served to subscribers (issue 7): view state, Reactor subscriptions and the
 * HTTP/SSE server.
 *
 * <p>Only the module boundary exists so far; it depends on {@code ingest} and will depend on
 * {@code dataflow}.
 */
package io.walflow.views;
