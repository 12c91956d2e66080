/**
 * Deterministic simulation of the log → replica path ({@link io.walflow.replica.sim.Simulation}):
 * one thread, one seed, injected faults, the invariants checked after every step.
 */
package io.walflow.replica.sim;
