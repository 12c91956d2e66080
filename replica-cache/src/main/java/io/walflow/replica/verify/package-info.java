/**
 * Verify: compares a replica, row by row, with the source SQLite database at the same LSN
 * ({@link io.walflow.replica.verify.Verifier}), naming every missing, extra and different row by
 * table and key.
 */
package io.walflow.replica.verify;
