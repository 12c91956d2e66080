package io.walflow.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walflow.app.Main;
import io.walflow.views.OverflowPolicy;
import io.walflow.views.stack.StackConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code walflow run}'s options: exactly one way to authenticate, views as NAME=SQL, typed settings. */
class RunCommandTest {
  @TempDir Path dir;

  private RunCommand parse(String... args) {
    RunCommand cmd = new RunCommand();
    new CommandLine(cmd).parseArgs(args);
    return cmd;
  }

  @Test
  void run_needsExactlyOneOfTokenTokensFileOpen() {
    assertThat(Main.run("run", "--db", "app=" + dir.resolve("a.db"), "--data-dir", dir.toString())).isEqualTo(2);
    assertThat(Main.run("run", "--db", "app=" + dir.resolve("a.db"), "--data-dir", dir.toString(), "--open",
        "--token", "abcdefghijklmnopqrstuvwxyz")).isEqualTo(2);
  }

  @Test
  void config_carriesViewsLimitsAndPolicy() throws Exception {
    StackConfig c = parse("--db", "app=" + dir.resolve("a.db"), "--data-dir", dir.toString(), "--http-port", "0",
        "--token", "abcdefghijklmnopqrstuvwxyz", "--view", "top=SELECT a FROM t WHERE b = ?", "--overflow", "fail",
        "--buffer", "7", "--max-subscribers-per-client", "3").config();
    assertThat(c.initialViews()).containsEntry("top", "SELECT a FROM t WHERE b = ?");
    assertThat(c.views().overflow()).isEqualTo(OverflowPolicy.FAIL);
    assertThat(c.views().bufferSize()).isEqualTo(7);
    assertThat(c.http().maxSubscribersPerClient()).isEqualTo(3);
    assertThat(c.http().access().isOpen()).isFalse();
    assertThat(c.dataflow().dataDir()).isEqualTo(dir.resolve("dataflow"));
  }

  @Test
  void config_rejectsBadViewsShortTokensAndUnknownPolicies() {
    assertThatThrownBy(() -> parse("--db", "app=x.db", "--open", "--view", "noequals").config())
        .hasMessageContaining("--view expects NAME=SQL");
    assertThatThrownBy(() -> parse("--db", "app=x.db", "--token", "short").config())
        .hasMessageContaining("at least 16 characters");
    assertThatThrownBy(() -> parse("--db", "app=x.db", "--open", "--overflow", "drop").config())
        .hasMessageContaining("--overflow must be conflate or fail");
  }
}
