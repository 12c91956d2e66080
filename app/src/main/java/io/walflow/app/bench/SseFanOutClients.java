package io.walflow.app.bench;

import io.walflow.views.ViewEvent;
import io.walflow.views.client.WalflowClient;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import reactor.core.Disposable;

/**
 * The SSE side of the views suite's fan-out, run in a child JVM so that the server's process holds
 * only its own end of the connections (10,000 connections in one process would need 20,000 file
 * descriptors, this machine's hard limit). Opens {@code N} {@link WalflowClient} subscriptions to
 * one view and key, prints {@code READY N} once each has its snapshot, then for each round r (the
 * parent commits one change per round) {@code DONE arrived lastNanos firstNanos} once each
 * subscription has received its r-th delta ({@link System#nanoTime()}, which on Linux reads the
 * machine's monotonic clock, the same in every process), and exits when its standard input
 * closes.
 *
 * <p>Arguments: base URI, token, view, argument, number of subscriptions, rounds.
 */
public final class SseFanOutClients {
  /** Connections being opened at once (beyond it, new ones wait: the server's accept backlog is finite). */
  private static final int OPENING = 500;

  private SseFanOutClients() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 6) {
      System.err.println("usage: SseFanOutClients BASE_URI TOKEN VIEW ARG N ROUNDS");
      System.exit(2);
    }
    URI base = URI.create(args[0]);
    String token = args[1];
    String view = args[2];
    String arg = args[3];
    int n = Integer.parseInt(args[4]);
    int rounds = Integer.parseInt(args[5]);
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    AtomicInteger ready = new AtomicInteger();
    // Per subscriber, the deltas it has received; per round r (its r-th delta), how many have it
    // and the first and last arrival.
    AtomicIntegerArray deltas = new AtomicIntegerArray(n);
    AtomicIntegerArray arrived = new AtomicIntegerArray(rounds + 1);
    AtomicLongArray last = new AtomicLongArray(rounds + 1);
    AtomicLongArray first = new AtomicLongArray(rounds + 1);
    for (int r = 0; r <= rounds; r++) {
      last.set(r, Long.MIN_VALUE);
      first.set(r, Long.MAX_VALUE);
    }
    List<Disposable> subs = new ArrayList<>(n);
    try (WalflowClient client = WalflowClient.create(base, Optional.of(token))) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      for (int i = 0; i < n; i++) {
        int me = i;
        subs.add(client.subscribe(view, List.of(arg), OptionalLong.empty()).subscribe(e -> {
          if (e instanceof ViewEvent.Snapshot) {
            ready.incrementAndGet();
          } else if (e instanceof ViewEvent.Delta) {
            long now = System.nanoTime();
            int r = deltas.incrementAndGet(me);
            if (r <= rounds) {
              last.accumulateAndGet(r, now, Math::max);
              first.accumulateAndGet(r, now, Math::min);
              arrived.incrementAndGet(r);
            }
          }
        }));
        while (i + 1 - ready.get() > OPENING && System.nanoTime() < deadline) {
          Thread.sleep(1); // polls the count of snapshots received: opening is not what is measured
        }
      }
      while (ready.get() < n && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      out.println("READY " + ready.get());
      for (int r = 1; r <= rounds; r++) {
        long roundDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (arrived.get(r) < n && System.nanoTime() < roundDeadline) {
          Thread.sleep(1); // polled; the arrival times themselves are taken in the subscribers
        }
        out.println("DONE " + arrived.get(r) + " " + last.get(r) + " " + first.get(r));
      }
      waitForEndOfInput();
      subs.forEach(Disposable::dispose);
    }
  }

  private static void waitForEndOfInput() {
    try {
      while (System.in.read() >= 0) {
        // the parent closes our input when it is done with us
      }
    } catch (IOException e) {
      // the parent is gone: exit as well
    }
  }
}
