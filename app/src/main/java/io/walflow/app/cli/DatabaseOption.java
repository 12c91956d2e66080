package io.walflow.app.cli;

import java.nio.file.Path;
import picocli.CommandLine;

/** Parses {@code NAME=PATH}. */
public record DatabaseOption(String name, Path path) {
  /** picocli converter. */
  public static final class Converter implements CommandLine.ITypeConverter<DatabaseOption> {
    @Override
    public DatabaseOption convert(String value) {
      int eq = value.indexOf('=');
      if (eq <= 0 || eq == value.length() - 1) {
        throw new CommandLine.TypeConversionException("expected NAME=PATH, for example app=/var/lib/app.db, got '" + value + "'");
      }
      return new DatabaseOption(value.substring(0, eq), Path.of(value.substring(eq + 1)));
    }
  }
}
