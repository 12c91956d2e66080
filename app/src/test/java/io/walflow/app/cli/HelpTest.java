package io.walflow.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walflow.app.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code walflow --help} and every command's help are complete (every option listed and described),
 * and README's configuration section documents every option of every command, so neither can fall
 * behind the code.
 */
class HelpTest {
  private static final Path README = Path.of("..", "README.md");

  @Test
  void everyCommandsHelp_listsAndDescribesEveryOption_andTheRootListsEveryCommand() {
    String root = help("--help");
    for (CommandLine sub : commands(Main.commandLine())) {
      CommandSpec spec = sub.getCommandSpec();
      if (spec.parent().parent() == null) {
        assertThat(root).as("walflow --help").contains(spec.name());
      }
      List<String> args = new ArrayList<>(List.of(spec.qualifiedName(" ").split(" ")));
      args.remove(0);
      args.add("--help");
      String help = help(args.toArray(String[]::new));
      assertThat(String.join(" ", spec.usageMessage().description())).as(spec.qualifiedName() + " description").isNotBlank();
      for (OptionSpec o : spec.options()) {
        assertThat(help).as(spec.qualifiedName() + " --help").contains(o.longestName());
        assertThat(String.join(" ", o.description())).as(spec.qualifiedName() + " " + o.longestName() + " description")
            .isNotBlank();
      }
    }
  }

  @Test
  void readmesConfigurationSection_documentsEveryOptionOfEveryCommand() throws Exception {
    String readme = Files.readString(README);
    int start = readme.indexOf("\n## Configuration\n");
    assertThat(start).as("README has a \"## Configuration\" section").isPositive();
    int end = readme.indexOf("\n## ", start + 1);
    String section = readme.substring(start, end < 0 ? readme.length() : end);
    List<String> missing = new ArrayList<>();
    for (CommandLine sub : commands(Main.commandLine())) {
      CommandSpec spec = sub.getCommandSpec();
      CommandSpec mixin = spec.mixins().get("capture");
      for (OptionSpec o : spec.options()) {
        if (o.usageHelp() || o.versionHelp()) {
          continue;
        }
        // options mixed in from capture are documented once, in capture's table
        boolean fromCapture = mixin != null && mixin.findOption(o.longestName()) != null;
        String table = table(section, fromCapture ? "walflow capture" : spec.qualifiedName());
        if (!table.contains("`" + o.longestName())) {
          missing.add(spec.qualifiedName() + " " + o.longestName());
        }
      }
    }
    assertThat(missing).as("options missing from README's configuration section").isEmpty();
  }

  /** The part of the section under {@code #### `walflow x`}, up to the next heading. */
  private static String table(String section, String command) {
    int start = section.indexOf("#### `" + command + "`");
    if (start < 0) {
      return "";
    }
    int end = section.indexOf("\n#", start + 1);
    return section.substring(start, end < 0 ? section.length() : end);
  }

  private static String help(String... args) {
    StringWriter out = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(new StringWriter()), args);
    assertThat(code).isZero();
    return out.toString();
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
}
