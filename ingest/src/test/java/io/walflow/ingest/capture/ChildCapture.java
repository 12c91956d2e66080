package io.walflow.ingest.capture;

import io.walflow.ingest.Capture;
import io.walflow.ingest.CaptureConfig;
import java.nio.file.Path;

/** Capture in its own process, for kill -9 tests: runs until its standard input closes. */
public final class ChildCapture {
  public static void main(String[] args) throws Exception {
    CaptureConfig cfg = CaptureConfig.defaults(Path.of(args[0])).withDatabase(args[1], Path.of(args[2]));
    try (Capture c = Capture.start(cfg)) {
      System.out.println("started");
      while (System.in.read() >= 0) {
        // run until stdin closes or the process is killed
      }
    }
  }
}
