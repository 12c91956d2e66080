package io.walflow.app.sim;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;

/**
 * What a seed did, step by step: every event goes into a SHA-256 digest (two runs of a seed must
 * print the same digest) and the most recent ones are kept to describe a failure.
 */
final class Trace {
  private static final int KEPT = 40;

  private final MessageDigest digest;
  private final Deque<String> recent = new ArrayDeque<>();

  Trace() {
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Records one event of step {@code step}. Events must not hold times, paths or anything else a run varies. */
  void add(int step, String event) {
    String line = step + ": " + event;
    digest.update(line.getBytes(StandardCharsets.UTF_8));
    digest.update((byte) '\n');
    recent.addLast(line);
    if (recent.size() > KEPT) {
      recent.removeFirst();
    }
  }

  /** The first 16 hex digits of the digest of every event so far. */
  String digest() {
    try {
      MessageDigest copy = (MessageDigest) digest.clone();
      return HexFormat.of().formatHex(copy.digest()).substring(0, 16);
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The most recent events, one a line. */
  String recent() {
    return "  " + String.join("\n  ", recent);
  }
}
