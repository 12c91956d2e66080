package io.walflow.app.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
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
 * command's name apply to that command (a subcommand's section nests in its parent's: {@code log:
 * dump: …}); values at the top level apply to every command that has the option. Flags on the
 * command line win over the file, and the file over built-in defaults.
 *
 * <pre>
 * data-dir: /var/lib/walflow      # every command with --data-dir
 * capture:
 *   db: [app=/srv/app.db, billing=/srv/billing.db]
 *   commit-window: 2
 * </pre>
 *
 * <p>A list gives a repeatable option several values. The whole file is checked before any command
 * runs: a key that matches no option, or a value of the wrong type (a word for a number, a list for
 * a single value, a mapping for a value), is an error naming the key and its line, so a misspelt
 * setting is never silently ignored.
 */
public final class ConfigFile implements CommandLine.IDefaultValueProvider {
  /**
   * The split regex of repeatable options whose values may hold commas ({@code --view NAME=SQL},
   * {@code --token}): the unit separator, which no one types, so that a list in the file can reach
   * picocli as one default value.
   */
  public static final String LIST_SPLIT = "\\x1F";
  private static final String LIST_JOIN = "\u001F";

  private final Path path;
  private final JsonNode root;
  /** The line of each key, by its dotted path ({@code capture.commit-window}). */
  private final Map<String, Integer> lines;

  private ConfigFile(Path path, JsonNode root, Map<String, Integer> lines) {
    this.path = path;
    this.root = root;
    this.lines = lines;
  }

  /**
   * Reads {@code path}.
   *
   * @throws IllegalArgumentException when the file is missing or is not a YAML mapping
   */
  public static ConfigFile read(Path path) {
    String text;
    JsonNode root;
    Map<String, Integer> lines;
    try {
      text = Files.readString(path);
      YAMLFactory yaml = new YAMLFactory();
      root = new ObjectMapper(yaml).readTree(text);
      lines = keyLines(yaml, text);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("--config: no file " + path);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("--config: " + path + ", line " + e.getLocation().getLineNr()
          + ": not valid YAML: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new IllegalArgumentException("--config: cannot read " + path + ": " + e.getMessage());
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      root = new ObjectMapper().createObjectNode();
    }
    if (!root.isObject()) {
      throw new IllegalArgumentException("--config: " + path + " must hold a mapping of option names to values");
    }
    return new ConfigFile(path, root, lines);
  }

  /** The line of every mapping key, by dotted path. */
  private static Map<String, Integer> keyLines(YAMLFactory yaml, String text) throws IOException {
    Map<String, Integer> lines = new HashMap<>();
    try (JsonParser p = yaml.createParser(text)) {
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t != JsonToken.FIELD_NAME) {
          continue;
        }
        Deque<String> parts = new ArrayDeque<>();
        for (JsonStreamContext c = p.getParsingContext(); c != null && !c.inRoot(); c = c.getParent()) {
          parts.addFirst(c.inObject() ? c.getCurrentName() : "[" + c.getCurrentIndex() + "]");
        }
        lines.putIfAbsent(String.join(".", parts), p.currentTokenLocation().getLineNr());
      }
    }
    return lines;
  }

  /**
   * Checks every key and value against the options of {@code commandLine} (the command line's
   * root) and its subcommands, then installs this file as the default-value provider of every
   * command.
   *
   * @throws IllegalArgumentException naming each unknown key or ill-typed value with its line
   */
  public void install(CommandLine commandLine) {
    List<String> errors = new ArrayList<>();
    checkSection(commandLine, root, "", errors);
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("\n", errors));
    }
    commandLine.setDefaultValueProvider(this);
  }

  private void checkSection(CommandLine command, JsonNode section, String prefix, List<String> errors) {
    boolean top = prefix.isEmpty();
    for (Iterator<Map.Entry<String, JsonNode>> it = section.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      String dotted = prefix + key;
      CommandLine sub = command.getSubcommands().get(key);
      if (sub != null && (e.getValue().isObject() || e.getValue().isNull())) {
        checkSection(sub, e.getValue(), dotted + ".", errors); // an empty section is null: nothing to check
        continue;
      }
      List<OptionSpec> options = top ? optionsEverywhere(command, "--" + key) : optionsOf(command, "--" + key);
      if (options.isEmpty()) {
        errors.add(where(dotted) + dotted + " is no option of " + (top ? "any walflow command" : command.getCommandSpec().qualifiedName())
            + " (see " + (top ? "walflow --help" : command.getCommandSpec().qualifiedName() + " --help") + ")");
        continue;
      }
      for (OptionSpec option : options) {
        String problem = typeProblem(option, e.getValue());
        if (problem != null) {
          errors.add(where(dotted) + dotted + " " + problem);
          break;
        }
      }
    }
  }

  private String where(String dotted) {
    Integer line = lines.get(dotted);
    return "--config " + path + (line == null ? "" : ", line " + line) + ": ";
  }

  private static List<OptionSpec> optionsOf(CommandLine cl, String name) {
    OptionSpec o = cl.getCommandSpec().findOption(name);
    return o == null ? List.of() : List.of(o);
  }

  private static List<OptionSpec> optionsEverywhere(CommandLine cl, String name) {
    List<OptionSpec> all = new ArrayList<>(optionsOf(cl, name));
    for (CommandLine sub : cl.getSubcommands().values()) {
      all.addAll(optionsEverywhere(sub, name));
    }
    return all;
  }

  /** What is wrong with {@code value} for {@code option}, or null. */
  private static String typeProblem(OptionSpec option, JsonNode value) {
    if (value.isObject()) {
      return "must be a value or a list, not a mapping";
    }
    if (value.isArray()) {
      if (value.size() > 1 && (!option.isMultiValue() || option.splitRegex().isEmpty())) {
        return "takes one value, not a list";
      }
      for (JsonNode item : value) {
        String p = item.isContainerNode() ? "must be a list of values, not of lists or mappings" : scalarProblem(option, item);
        if (p != null) {
          return p;
        }
      }
      return null;
    }
    return value.isNull() ? null : scalarProblem(option, value);
  }

  private static String scalarProblem(OptionSpec option, JsonNode value) {
    Class<?> type = option.isMultiValue() && option.auxiliaryTypes().length > 0 ? option.auxiliaryTypes()[0] : option.type();
    String text = value.asText();
    String label = option.paramLabel();
    if (type == int.class || type == Integer.class || type == long.class || type == Long.class
        || type == short.class || type == Short.class) {
      try {
        if (type == int.class || type == Integer.class) {
          Integer.parseInt(text);
        } else if (type == short.class || type == Short.class) {
          Short.parseShort(text);
        } else {
          Long.parseLong(text);
        }
        return null;
      } catch (NumberFormatException e) {
        return "must be a whole number (" + label + "), got '" + text + "'";
      }
    }
    if (type == boolean.class || type == Boolean.class) {
      return value.isBoolean() || text.equals("true") || text.equals("false") ? null
          : "must be true or false, got '" + text + "'";
    }
    if (type.isEnum()) {
      for (Object c : type.getEnumConstants()) {
        if (((Enum<?>) c).name().equalsIgnoreCase(text)) {
          return null;
        }
      }
      return "must be one of " + List.of(type.getEnumConstants()) + ", got '" + text + "'";
    }
    if (option.converters().length > 0) {
      try {
        option.converters()[0].convert(text);
      } catch (Exception e) {
        return "is not a valid " + label + ": " + e.getMessage();
      }
    }
    return null;
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec option) || option.longestName() == null || !option.longestName().startsWith("--")) {
      return null;
    }
    String key = option.longestName().substring(2);
    CommandSpec command = option.command();
    JsonNode value = command == null ? null : section(command).map(s -> s.get(key)).orElse(null);
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
      return String.join(option.splitRegex().equals(LIST_SPLIT) ? LIST_JOIN : ",", items);
    }
    return value.asText();
  }

  /** The section of {@code command} ({@code log: dump: …} for {@code walflow log dump}), if the file has one. */
  private java.util.Optional<JsonNode> section(CommandSpec command) {
    Deque<String> names = new ArrayDeque<>();
    for (CommandSpec c = command; c != null && c.parent() != null; c = c.parent()) {
      names.addFirst(c.name());
    }
    if (names.isEmpty()) {
      return java.util.Optional.empty();
    }
    JsonNode node = root;
    for (String n : names) {
      node = node.get(n);
      if (node == null || !node.isObject()) {
        return java.util.Optional.empty();
      }
    }
    return java.util.Optional.of(node);
  }
}
