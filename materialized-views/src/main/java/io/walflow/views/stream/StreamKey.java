package io.walflow.views.stream;

import io.walflow.ingest.change.Value;
import java.util.List;

/** A view and coerced parameter values: what subscribers share one stream for. */
record StreamKey(String view, List<Value> params) {
  StreamKey {
    params = List.copyOf(params);
  }
}
