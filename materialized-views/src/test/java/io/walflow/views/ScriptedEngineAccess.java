package io.walflow.views;

import io.walflow.dataflow.ViewEngine;

/** Opens the package-private {@link ScriptedEngine} fixture to tests in other packages. */
public final class ScriptedEngineAccess {
  private final ScriptedEngine engine = new ScriptedEngine();

  public ViewEngine engine() {
    return engine;
  }

  public long insert(long key, long x) {
    return engine.insert(key, x);
  }

  public long update(long key, long from, long to) {
    return engine.update(key, from, to);
  }

  /** Replaces row {@code (key, from)} by {@code (key, to)} (any values; {@code from} null: inserts). */
  public long replace(long key, io.walflow.ingest.change.Value from, io.walflow.ingest.change.Value to) {
    io.walflow.ingest.change.Value k = io.walflow.ingest.change.Value.of(key);
    return engine.commit(java.util.Map.of(k, new io.walflow.dataflow.ViewDelta(0, java.util.List.of(java.util.List.of(k, to)),
        from == null ? java.util.List.of() : java.util.List.of(java.util.List.of(k, from)))));
  }

  public java.util.List<java.util.List<io.walflow.ingest.change.Value>> rowsOf(long key) {
    return engine.rowsOf(key);
  }
}
