package io.walflow.views.http;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Per-client request rate (a token bucket) and open subscriptions. A client is a token, or a
 * remote address when the server is open. Thread-safe.
 */
final class ClientLimits {
  private final double perNano;
  private final int burst;
  private final int maxSubscribers;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicInteger> subscribers = new ConcurrentHashMap<>();

  ClientLimits(double perSecond, int burst, int maxSubscribers) {
    this.perNano = perSecond / 1e9;
    this.burst = burst;
    this.maxSubscribers = maxSubscribers;
  }

  /** Takes one request from the client's bucket; false when it is empty. */
  boolean tryRequest(String client) {
    return buckets.computeIfAbsent(client, c -> new Bucket(burst)).take(perNano, burst);
  }

  /** Reserves a subscription slot; false when the client has {@code maxSubscribers} open. */
  boolean trySubscribe(String client) {
    AtomicInteger n = subscribers.computeIfAbsent(client, c -> new AtomicInteger());
    if (n.incrementAndGet() > maxSubscribers) {
      n.decrementAndGet();
      return false;
    }
    return true;
  }

  void unsubscribe(String client) {
    AtomicInteger n = subscribers.get(client);
    if (n != null) {
      n.decrementAndGet();
    }
  }

  int maxSubscribers() {
    return maxSubscribers;
  }

  private static final class Bucket {
    private double tokens;
    private long last = System.nanoTime();

    Bucket(int burst) {
      tokens = burst;
    }

    synchronized boolean take(double perNano, int burst) {
      long now = System.nanoTime();
      tokens = Math.min(burst, tokens + (now - last) * perNano);
      last = now;
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      return false;
    }
  }
}
