package io.walflow.app;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The command line's log pattern prints the database and LSN from the MDC as {@code db@lsn}. */
class LogPatternTest {

  @Test
  void pattern_printsDbAtLsnFromTheMdc_andNothingWithoutThem() throws Exception {
    String xml;
    try (InputStream in = Main.class.getResourceAsStream("/logback.xml")) {
      xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    Matcher m = Pattern.compile("<pattern>(.*)</pattern>").matcher(xml);
    assertThat(m.find()).isTrue();
    PatternLayout layout = new PatternLayout();
    layout.setContext(new LoggerContext());
    layout.setPattern(m.group(1));
    layout.start();

    assertThat(layout.doLayout(event(Map.of("db", "app", "lsn", "42")))).contains("Tailer app@42: hello");
    assertThat(layout.doLayout(event(Map.of("db", "app")))).contains("Tailer app: hello");
    assertThat(layout.doLayout(event(Map.of()))).contains("Tailer : hello");
  }

  private static LoggingEvent event(Map<String, String> mdc) {
    LoggingEvent e = new LoggingEvent();
    e.setLoggerName("io.walflow.Tailer");
    e.setLevel(Level.INFO);
    e.setMessage("hello");
    e.setThreadName("t");
    e.setTimeStamp(0);
    e.setMDCPropertyMap(mdc);
    return e;
  }
}
