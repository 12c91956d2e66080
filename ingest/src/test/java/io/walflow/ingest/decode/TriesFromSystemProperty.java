package io.walflow.ingest.decode;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Lets {@code -Dwalflow.decode.tries=N} override a property's number of tries, so that a long run
 * is one flag away while CI keeps the default.
 */
public final class TriesFromSystemProperty implements AroundPropertyHook {
  static final String PROPERTY = "walflow.decode.tries";

  @Override
  public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
    Integer tries = Integer.getInteger(PROPERTY);
    if (tries != null) {
      context.attributes().setTries(tries);
    }
    return property.execute();
  }
}
