/**
 * Live views (issue 7): {@link io.walflow.views.ViewService} turns the engine's views into Reactor
 * streams of {@link io.walflow.views.ViewEvent}s — a snapshot, then one delta per changing
 * transaction, progress, resume from an LSN, bounded buffers with conflation, shared fan-out.
 * Subpackages: {@code stream} (the shared per-view streams and subscriber buffers), {@code json}
 * (the wire encoding), {@code http} (the HTTP/SSE/WebSocket server), {@code client} (the Java
 * client), {@code stack} (capture + engine + views + HTTP in one process, as {@code walflow run}).
 * Guarantees: {@code docs/views.md}; API: {@code docs/http-api.md}.
 */
package io.walflow.views;
