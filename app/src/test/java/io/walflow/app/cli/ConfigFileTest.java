package io.walflow.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.walflow.app.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

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
  void aMisspeltKey_isAnErrorNamingItAndItsLine() throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "data-dir: /x\ncapture:\n  db: [a=a.db]\n  comit-window: 7\ncolour: blue\n");
    assertThatThrownBy(() -> ConfigFile.read(file).install(Main.commandLine()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("line 4: capture.comit-window is no option of walflow capture")
        .hasMessageContaining("line 5: colour is no option of any walflow command");
  }

  @Test
  void aValueOfTheWrongType_isAnErrorNamingTheKeyAndItsLine() throws Exception {
    Path file = dir.resolve("types.yaml");
    Files.writeString(file, """
        capture:
          commit-window: soon
          no-compress: maybe
          db: [no-equals-sign]
        run:
          http-port: [1, 2]
          memory-mb: {a: 1}
        http-port: eighty
        """);
    assertThatThrownBy(() -> ConfigFile.read(file).install(Main.commandLine()))
        .hasMessageContaining("line 2: capture.commit-window must be a whole number (MS), got 'soon'")
        .hasMessageContaining("line 3: capture.no-compress must be true or false, got 'maybe'")
        .hasMessageContaining("line 4: capture.db is not a valid NAME=PATH: expected NAME=PATH")
        .hasMessageContaining("line 6: run.http-port takes one value, not a list")
        .hasMessageContaining("line 7: run.memory-mb must be a value or a list, not a mapping")
        .hasMessageContaining("line 8: http-port must be a whole number");
  }

  @Test
  void aBadFile_exitsWith2BeforeAnyCommandRuns() throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "run:\n  http-port: x\n");
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "--config", file.toString(), "run",
        "--db", "a=" + dir.resolve("a.db"), "--open", "--data-dir", dir.resolve("data").toString());
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("line 2: run.http-port must be a whole number");
    assertThat(dir.resolve("data")).doesNotExist();
    Files.writeString(file, "run:\n  http-port: [\n");
    err.getBuffer().setLength(0);
    assertThat(Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "--config", file.toString(), "run"))
        .isEqualTo(2);
    assertThat(err.toString()).contains("not valid YAML").contains("line ");
  }

  /**
   * Every option of every command, set in the command's section of a file, reaches the command as
   * if given as a flag: a new option is covered as soon as it exists.
   */
  @Test
  void everyOptionOfEveryCommand_canComeFromTheFile() throws Exception {
    List<String> checked = new ArrayList<>();
    for (CommandLine sub : commands(Main.commandLine())) {
      Map<OptionSpec, Object> expected = new LinkedHashMap<>();
      StringBuilder yaml = new StringBuilder();
      String indent = "";
      for (String part : sub.getCommandSpec().qualifiedName(" ").split(" ")) {
        if (!part.equals("walflow")) {
          yaml.append(indent).append(part).append(":\n");
          indent += "  ";
        }
      }
      for (OptionSpec o : sub.getCommandSpec().options()) {
        if (o.usageHelp() || o.versionHelp()) {
          continue;
        }
        String key = o.longestName().substring(2);
        yaml.append(indent).append(key).append(": ").append(sample(o, key, expected)).append("\n");
      }
      Path file = dir.resolve(sub.getCommandName() + ".yaml");
      Files.writeString(file, yaml);
      CommandLine cl = Main.commandLine();
      ConfigFile.read(file).install(cl);
      List<String> path = new ArrayList<>(List.of(sub.getCommandSpec().qualifiedName(" ").split(" ")));
      path.remove(0);
      CommandLine.ParseResult parsed = cl.parseArgs(path.toArray(String[]::new));
      while (parsed.hasSubcommand()) {
        parsed = parsed.subcommand();
      }
      for (Map.Entry<OptionSpec, Object> e : expected.entrySet()) {
        OptionSpec o = parsed.commandSpec().findOption(e.getKey().longestName());
        assertThat((Object) o.getValue()).as(sub.getCommandSpec().qualifiedName() + " " + o.longestName() + " from\n" + yaml)
            .isEqualTo(e.getValue());
        checked.add(sub.getCommandName() + " " + o.longestName());
      }
    }
    assertThat(checked).contains("run --view", "run --db", "run --open", "replica --token", "replica --kafka",
        "replay --to-replica", "dump --follow", "bench --suite", "demo --writes-per-second", "capture --http-port");
  }

  private static List<CommandLine> commands(CommandLine cl) {
    List<CommandLine> all = new ArrayList<>();
    for (CommandLine sub : cl.getSubcommands().values()) {
      if (sub.getCommandSpec().userObject() instanceof CommandLine.HelpCommand) {
        continue;
      }
      all.add(sub);
      all.addAll(commands(sub));
    }
    return all;
  }

  /** A YAML value for {@code o} and, in {@code expected}, what the option must hold after parsing. */
  private static String sample(OptionSpec o, String key, Map<OptionSpec, Object> expected) {
    Class<?> type = o.type();
    if (o.isMultiValue()) {
      if (o.auxiliaryTypes()[0] == DatabaseOption.class) {
        expected.put(o, List.of(new DatabaseOption("a", Path.of("/a.db")), new DatabaseOption("b", Path.of("/b.db"))));
        return "[a=/a.db, b=/b.db]";
      }
      // values of --view (SQL) and --token may hold commas; those of comma-split options may not
      String first = o.splitRegex().equals(ConfigFile.LIST_SPLIT) ? "one, with a comma " : "one-";
      expected.put(o, List.of(first + key, "two-" + key));
      return "['" + first + key + "', 'two-" + key + "']";
    }
    if (type == int.class || type == Integer.class) {
      expected.put(o, 7);
      return "7";
    }
    if (type == long.class || type == Long.class) {
      expected.put(o, 7L);
      return "7";
    }
    if (type == short.class || type == Short.class) {
      expected.put(o, (short) 7);
      return "7";
    }
    if (type == boolean.class || type == Boolean.class) {
      expected.put(o, true);
      return "true";
    }
    if (type == Path.class) {
      expected.put(o, Path.of("/srv/" + key));
      return "/srv/" + key;
    }
    if (type == String.class) {
      expected.put(o, "v-" + key);
      return "v-" + key;
    }
    throw new AssertionError("no sample for " + o.longestName() + " of type " + type + ": add one");
  }

  @Test
  void aMissingOrMalformedFile_isAnError() throws Exception {
    assertThatThrownBy(() -> ConfigFile.read(dir.resolve("none.yaml"))).hasMessageContaining("no file");
    Path file = dir.resolve("list.yaml");
    Files.writeString(file, "- a\n- b\n");
    assertThatThrownBy(() -> ConfigFile.read(file)).hasMessageContaining("mapping");
  }
}
