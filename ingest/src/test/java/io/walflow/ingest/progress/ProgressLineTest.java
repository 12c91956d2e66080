package io.walflow.ingest.progress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The progress line's text, and that short work prints nothing. */
class ProgressLineTest {

  @Test
  void format_showsDoneTotalPercentageAndRate() {
    ProgressLine p = new ProgressLine("replay of 'app'", 200, "commits", new PrintStream(new ByteArrayOutputStream()),
        false);
    String line = p.format(50, System.nanoTime());
    assertThat(line).startsWith("replay of 'app': 50/200 commits (25.0%), ").contains(" commits/s, ").contains("left");
    p.total(-1);
    assertThat(p.format(50, System.nanoTime())).startsWith("replay of 'app': 50 commits, ").doesNotContain("%");
  }

  @Test
  void shortWork_printsNothing() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (boolean terminal : new boolean[] {true, false}) {
      ProgressLine p = new ProgressLine("x", 10, "pages", new PrintStream(bytes, true, StandardCharsets.UTF_8), terminal);
      for (int i = 0; i < 10; i++) {
        p.update(i);
      }
      p.finish(10);
    }
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEmpty();
  }
}
