package io.walflow.app.bench;

import io.walflow.views.ViewEvent;
import io.walflow.views.client.WalflowClient;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
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
    FanOutArrivals arrivals = new FanOutArrivals(n, rounds);
    Semaphore opening = new Semaphore(OPENING);
    List<Disposable> subs = new ArrayList<>(n);
    try (WalflowClient client = WalflowClient.create(base, Optional.of(token))) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      for (int i = 0; i < n; i++) {
        int me = i;
        // Opening is not what is measured: a new subscription waits for one of the last OPENING to get its snapshot.
        opening.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        subs.add(client.subscribe(view, List.of(arg), OptionalLong.empty()).subscribe(e -> {
          if (e instanceof ViewEvent.Snapshot) {
            if (arrivals.snapshot(me)) {
              opening.release();
            }
          } else if (e instanceof ViewEvent.Delta) {
            arrivals.delta(me, System.nanoTime());
          }
        }));
      }
      out.println("READY " + arrivals.awaitReady(Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))));
      for (int r = 1; r <= rounds; r++) {
        int arrived = arrivals.awaitRound(r, Duration.ofSeconds(60));
        out.println("DONE " + arrived + " " + arrivals.last(r) + " " + arrivals.first(r));
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
