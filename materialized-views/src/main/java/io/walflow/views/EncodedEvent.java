package io.walflow.views;

import io.walflow.views.json.EventJson;
import java.nio.charset.StandardCharsets;

/**
 * A view event with its wire forms, each computed at most once and then shared: every subscriber
 * of a (view, parameters) stream receives the same instance of a delta, so the JSON of a change is
 * encoded once however many subscribers it reaches. Thread-safe.
 */
public final class EncodedEvent {
  private final ViewEvent event;
  private volatile byte[] json;
  private volatile byte[] sse;
  private volatile byte[] ws;

  public EncodedEvent(ViewEvent event) {
    this.event = event;
  }

  public ViewEvent event() {
    return event;
  }

  /** The event's data as JSON (see {@link EventJson}). */
  public byte[] json() {
    byte[] j = json;
    if (j == null) {
      j = EventJson.data(event);
      json = j;
    }
    return j;
  }

  /** The event as one Server-Sent Events frame: {@code event:}, {@code id:} (the LSN), {@code data:}. */
  public byte[] sse() {
    byte[] s = sse;
    if (s == null) {
      byte[] head = ("event: " + EventJson.type(event) + "\nid: " + event.lsn() + "\ndata: ")
          .getBytes(StandardCharsets.US_ASCII);
      byte[] data = json();
      s = new byte[head.length + data.length + 2];
      System.arraycopy(head, 0, s, 0, head.length);
      System.arraycopy(data, 0, s, head.length, data.length);
      s[s.length - 2] = '\n';
      s[s.length - 1] = '\n';
      sse = s;
    }
    return s;
  }

  /** The event as one WebSocket text message: its data with an {@code "event"} field first. */
  public byte[] ws() {
    byte[] w = ws;
    if (w == null) {
      byte[] head = ("{\"event\":\"" + EventJson.type(event) + "\",").getBytes(StandardCharsets.US_ASCII);
      byte[] data = json();
      w = new byte[head.length + data.length - 1];
      System.arraycopy(head, 0, w, 0, head.length);
      System.arraycopy(data, 1, w, head.length, data.length - 1);
      ws = w;
    }
    return w;
  }
}
