/**
 * Divergence digests: order-independent per-bucket sums of row hashes per table, maintained change
 * by change at capture and at each replica, published in the log as digest entries (type 3) and
 * compared by replicas to find and repair the buckets where they differ. See docs/log-format.md
 * section 11 and docs/replica.md, "Divergence repair".
 */
package io.walflow.ingest.digest;
