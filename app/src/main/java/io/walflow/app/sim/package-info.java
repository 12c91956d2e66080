/**
 * The deterministic simulation ({@link io.walflow.app.sim.Simulation}): SQLite → capture → log →
 * faulty delivery → replica in one thread from one seed, the invariants checked against SQLite
 * after every step. It lives in the app because it drives every module upstream of it.
 */
package io.walflow.app.sim;
