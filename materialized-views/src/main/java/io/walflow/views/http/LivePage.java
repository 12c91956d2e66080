package io.walflow.views.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The live page served at {@code /}: plain HTML and JavaScript from the jar (no build step) showing
 * databases, the log, views and any view's result kept live over Server-Sent Events.
 */
final class LivePage {
  static final byte[] BYTES = load();

  private LivePage() {}

  private static byte[] load() {
    try (InputStream in = LivePage.class.getResourceAsStream("/io/walflow/views/web/index.html")) {
      if (in == null) {
        throw new IllegalStateException("the live page (io/walflow/views/web/index.html) is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the live page from the jar", e);
    }
  }
}
