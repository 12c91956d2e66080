package io.walflow.ingest.wal;

import java.util.SortedMap;

/**
 * One committed transaction read from the WAL: the last image of every page it wrote (pages above
 * the database size after commit dropped), in page-number order.
 *
 * @param pages page number to page image (each exactly the page size; owned by the caller)
 * @param dbSizePages database size in pages after the commit
 * @param frameCount number of frames the transaction occupied in the WAL, repeats included
 * @param end the WAL position just after the commit frame
 */
public record WalCommit(SortedMap<Integer, byte[]> pages, int dbSizePages, int frameCount, WalPosition end) {}
