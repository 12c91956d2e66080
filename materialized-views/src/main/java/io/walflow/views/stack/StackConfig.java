package io.walflow.views.stack;

import io.walflow.dataflow.DataflowConfig;
import io.walflow.ingest.CaptureConfig;
import io.walflow.views.ViewsConfig;
import io.walflow.views.http.HttpConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything {@code walflow run} starts: capture, the engine, the views service, the HTTP server,
 * and views to create once every database's first snapshot is applied.
 *
 * @param capture databases and log
 * @param dataflow the engine (its store directory is emptied on start and rebuilt from the log)
 * @param views subscription settings
 * @param http the server
 * @param initialViews name → SQL, created in order at start
 * @param startTimeout how long start waits for every database's snapshot before creating views
 */
public record StackConfig(CaptureConfig capture, DataflowConfig dataflow, ViewsConfig views, HttpConfig http,
    Map<String, String> initialViews, Duration startTimeout) {
  public StackConfig {
    initialViews = new LinkedHashMap<>(initialViews);
  }
}
