package io.walflow.views.client;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a Server-Sent Events byte stream, arriving in arbitrary chunks, into events
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
 * {@code event:}, {@code id:} and {@code data:} fields (data lines joined with a newline), comment
 * lines ignored, an event ended by a blank line. Not thread-safe: one per connection.
 */
final class SseParser {
  /** One event as received. */
  record SseEvent(String type, String id, String data) {}

  private final int maxEventBytes;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
  private String type = "message";
  private String id = "";
  private StringBuilder data;
  private boolean lastWasCr;
  private int eventBytes;

  SseParser(int maxEventBytes) {
    this.maxEventBytes = maxEventBytes;
  }

  /** Feeds a chunk; returns the events it completed. */
  List<SseEvent> feed(byte[] chunk) {
    List<SseEvent> out = new ArrayList<>();
    for (byte b : chunk) {
      if (b == '\n' && lastWasCr) {
        lastWasCr = false;
        continue;
      }
      lastWasCr = b == '\r';
      if (b == '\n' || b == '\r') {
        endLine(out);
      } else {
        line.write(b);
        if (++eventBytes > maxEventBytes) {
          throw new IllegalStateException("an event of the stream is larger than " + maxEventBytes + " bytes");
        }
      }
    }
    return out;
  }

  private void endLine(List<SseEvent> out) {
    String l = line.toString(StandardCharsets.UTF_8);
    line.reset();
    if (l.isEmpty()) {
      if (data != null) {
        out.add(new SseEvent(type, id, data.toString()));
      }
      type = "message";
      data = null;
      eventBytes = 0;
      return;
    }
    if (l.startsWith(":")) {
      return;
    }
    int colon = l.indexOf(':');
    String field = colon < 0 ? l : l.substring(0, colon);
    String value = colon < 0 ? "" : l.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "event" -> type = value;
      case "id" -> id = value;
      case "data" -> {
        if (data == null) {
          data = new StringBuilder(value);
        } else {
          data.append('\n').append(value);
        }
      }
      default -> { }
    }
  }
}
