package io.walflow.app.bench;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The machine a benchmark ran on, so that figures are never quoted without it.
 *
 * @param cpus processors available to the JVM ({@code nproc})
 * @param cpuModel the first {@code model name} of /proc/cpuinfo
 * @param memoryBytes MemTotal of /proc/meminfo
 * @param disk the file store the benchmark files lived on: device, type, size
 * @param os kernel name and version
 * @param javaVersion the JVM's name and version
 * @param sqlite the SQLite library version of sqlite-jdbc (the writers' SQLite)
 */
public record Machine(int cpus, String cpuModel, long memoryBytes, String disk, String os, String javaVersion,
    String sqlite) {

  /** Describes this machine; {@code dir} is where the benchmark writes its files. */
  public static Machine describe(Path dir) {
    return new Machine(Runtime.getRuntime().availableProcessors(), readCpuModel(), readMemoryBytes(), disk(dir),
        System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"), sqliteVersion());
  }

  /** One line, for the report's header. */
  public String summary() {
    return String.format(Locale.ROOT, "%d CPU (%s), %.1f GiB RAM, disk %s, %s, %s, SQLite %s", cpus, cpuModel,
        memoryBytes / (double) (1L << 30), disk, os, javaVersion, sqlite);
  }

  /** The first three fields of /proc/loadavg, or "unknown". */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String readCpuModel() {
    return firstField(Path.of("/proc/cpuinfo"), "model name").orElse("unknown");
  }

  private static long readMemoryBytes() {
    return firstField(Path.of("/proc/meminfo"), "MemTotal")
        .map(v -> Long.parseLong(v.replaceAll("[^0-9]", "")) * 1024)
        .orElse(-1L);
  }

  private static Optional<String> firstField(Path file, String key) {
    try {
      List<String> lines = Files.readAllLines(file);
      for (String l : lines) {
        int colon = l.indexOf(':');
        if (colon > 0 && l.substring(0, colon).trim().equals(key)) {
          return Optional.of(l.substring(colon + 1).trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or not readable: say "unknown"
    }
    return Optional.empty();
  }

  private static String disk(Path dir) {
    try {
      FileStore fs = Files.getFileStore(dir);
      return String.format(Locale.ROOT, "%s (%s, %.0f GiB, %.0f GiB free)", fs.name(), fs.type(),
          fs.getTotalSpace() / (double) (1L << 30), fs.getUsableSpace() / (double) (1L << 30));
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  private static String sqliteVersion() {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT sqlite_version()")) {
      return rs.next() ? rs.getString(1) : "unknown";
    } catch (SQLException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }
}
