package io.walflow.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Option values from a YAML file ({@code walflow --config walflow.yaml <command> …}): every option
 * a flag sets can be given there instead, by its long name without the dashes. Values under a
 * command's name apply to that command; values at the top level apply to every command that has
 * the option. Flags on the command line win over the file, and the file over built-in defaults.
 *
 * <pre>
 * data-dir: /var/lib/walflow      # every command with --data-dir
 * capture:
 *   db: [app=/srv/app.db, billing=/srv/billing.db]
 *   commit-window: 2
 * </pre>
 *
 * <p>A list gives a repeatable option several values. Keys that match no option of any command are
 * an error naming them, so a misspelt setting is never silently ignored.
 */
public final class ConfigFile implements CommandLine.IDefaultValueProvider {
  private final Path path;
  private final JsonNode root;

  private ConfigFile(Path path, JsonNode root) {
    this.path = path;
    this.root = root;
  }

  /**
   * Reads {@code path}.
   *
   * @throws IllegalArgumentException when the file is missing or is not a YAML mapping
   */
  public static ConfigFile read(Path path) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(path));
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("--config: no file " + path);
    } catch (IOException e) {
      throw new IllegalArgumentException("--config: " + path + " is not valid YAML: " + e.getMessage());
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      root = new ObjectMapper().createObjectNode();
    }
    if (!root.isObject()) {
      throw new IllegalArgumentException("--config: " + path + " must hold a mapping of option names to values");
    }
    return new ConfigFile(path, root);
  }

  /**
   * Checks that every key names an option of some command ({@code commands}: the command line's
   * root), and installs this file as the default-value provider of every command.
   */
  public void install(CommandLine commandLine) {
    List<String> unknown = new ArrayList<>();
    Map<String, CommandLine> subcommands = commandLine.getSubcommands();
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      CommandLine sub = subcommands.get(e.getKey());
      if (sub != null && e.getValue().isObject()) {
        e.getValue().fieldNames().forEachRemaining(k -> {
          if (sub.getCommandSpec().findOption("--" + k) == null) {
            unknown.add(e.getKey() + "." + k);
          }
        });
      } else if (!anyCommandHas(commandLine, "--" + e.getKey())) {
        unknown.add(e.getKey());
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("--config: " + path + " sets " + String.join(", ", unknown)
          + ", which no walflow command has (see walflow <command> --help)");
    }
    commandLine.setDefaultValueProvider(this);
  }

  private static boolean anyCommandHas(CommandLine cl, String option) {
    if (cl.getCommandSpec().findOption(option) != null) {
      return true;
    }
    return cl.getSubcommands().values().stream().anyMatch(s -> anyCommandHas(s, option));
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec option) || option.longestName() == null || !option.longestName().startsWith("--")) {
      return null;
    }
    String key = option.longestName().substring(2);
    CommandSpec command = option.command();
    JsonNode section = command == null ? null : root.get(command.name());
    JsonNode value = section != null && section.isObject() && section.has(key) ? section.get(key) : null;
    if (value == null) {
      JsonNode top = root.get(key);
      value = top != null && !(top.isObject() && command != null && command.root().subcommands().containsKey(key)) ? top : null;
    }
    if (value == null || value.isNull()) {
      return null;
    }
    if (value.isArray()) {
      List<String> items = new ArrayList<>();
      value.forEach(v -> items.add(v.asText()));
      if (items.size() > 1 && option.splitRegex().isEmpty()) {
        throw new IllegalArgumentException("--config: " + path + ": " + key + " takes one value, not a list");
      }
      return String.join(",", items);
    }
    if (value.isObject()) {
      throw new IllegalArgumentException("--config: " + path + ": " + key + " must be a value or a list, not a mapping");
    }
    return value.asText();
  }
}
