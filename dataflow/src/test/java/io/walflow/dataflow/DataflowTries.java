package io.walflow.dataflow;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/** Lets {@code -Dwalflow.dataflow.tries=N} override a property's number of tries. */
public final class DataflowTries implements AroundPropertyHook {
  static final String PROPERTY = "walflow.dataflow.tries";

  @Override
  public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
    Integer tries = Integer.getInteger(PROPERTY);
    if (tries != null) {
      context.attributes().setTries(tries);
    }
    return property.execute();
  }
}
