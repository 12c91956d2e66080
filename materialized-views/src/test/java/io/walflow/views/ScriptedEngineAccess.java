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
}
