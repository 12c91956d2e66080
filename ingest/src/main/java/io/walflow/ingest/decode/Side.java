package io.walflow.ingest.decode;

import io.walflow.ingest.image.PageImage;

/**
 * One image (before or after a commit) with its parsed header.
 *
 * @param image the pages
 * @param header the database header of those pages
 */
record Side(PageImage image, DbHeader header) {

  static Side of(PageImage image) {
    return new Side(image, DbHeader.read(image));
  }

  int usable() {
    return header.usableSize();
  }
}
