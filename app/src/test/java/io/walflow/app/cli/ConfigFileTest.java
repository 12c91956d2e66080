package io.walflow.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walflow.app.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code walflow --config FILE}: options from YAML, command line first, misspellings refused. */
class ConfigFileTest {
  @TempDir Path dir;

  private CaptureCommand parse(String yaml, String... captureArgs) throws Exception {
    Path file = dir.resolve("walflow.yaml");
    Files.writeString(file, yaml);
    CommandLine cl = Main.commandLine();
    ConfigFile.read(file).install(cl);
    String[] args = new String[captureArgs.length + 1];
    args[0] = "capture";
    System.arraycopy(captureArgs, 0, args, 1, captureArgs.length);
    CommandLine.ParseResult parsed = cl.parseArgs(args);
    return ((CaptureNodeCommand) parsed.subcommand().commandSpec().userObject()).capture();
  }

  @Test
  void valuesComeFromTheFile_topLevelAndPerCommand_listsForRepeatableOptions() throws Exception {
    CaptureCommand c = parse("""
        data-dir: /srv/walflow
        capture:
          db: [app=/srv/app.db, billing=/srv/billing.db]
          commit-window: 7
          no-compress: true
        """);
    assertThat(c.dataDir).isEqualTo(Path.of("/srv/walflow"));
    assertThat(c.databases).extracting(DatabaseOption::name).containsExactly("app", "billing");
    assertThat(c.commitWindowMs).isEqualTo(7);
    assertThat(c.noCompress).isTrue();
    assertThat(c.checkpointPages).isEqualTo(4000);
  }

  @Test
  void theCommandLineWinsOverTheFile() throws Exception {
    CaptureCommand c = parse("capture:\n  db: [app=a.db]\n  commit-window: 7\n", "--commit-window", "3");
    assertThat(c.commitWindowMs).isEqualTo(3);
  }

  @Test
  void aMisspeltKey_isAnErrorNamingIt() throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "capture:\n  comit-window: 7\n");
    assertThatThrownBy(() -> ConfigFile.read(file).install(Main.commandLine()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("capture.comit-window");
  }

  @Test
  void aMissingOrMalformedFile_isAnError() throws Exception {
    assertThatThrownBy(() -> ConfigFile.read(dir.resolve("none.yaml"))).hasMessageContaining("no file");
    Path file = dir.resolve("list.yaml");
    Files.writeString(file, "- a\n- b\n");
    assertThatThrownBy(() -> ConfigFile.read(file)).hasMessageContaining("mapping");
  }
}
