package io.walflow.views.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.walflow.views.json.EventJson;

/** A request refused with an HTTP status and a JSON body {@code {"error":"…", …}}. */
final class HttpError extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int status;
  private final transient ObjectNode body;

  HttpError(int status, String message) {
    super(message);
    this.status = status;
    this.body = EventJson.MAPPER.createObjectNode().put("error", message);
  }

  HttpError with(String field, long value) {
    body.put(field, value);
    return this;
  }

  int status() {
    return status;
  }

  ObjectNode body() {
    return body;
  }
}
