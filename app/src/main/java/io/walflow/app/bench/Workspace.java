package io.walflow.app.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * A temporary folder for one benchmark run ({@code walflow-bench-*} under the chosen parent),
 * holding one sub-folder per measurement. Each measurement's folder is removed as soon as it is
 * done (a capture log of a full-speed run is hundreds of MB); closing removes the rest, and a
 * shutdown hook removes it if the run is interrupted.
 */
final class Workspace implements AutoCloseable {
  private final Path root;
  private final Thread cleanupOnExit;
  private int next;

  Workspace(Path parent) throws IOException {
    Files.createDirectories(parent);
    this.root = Files.createTempDirectory(parent, "walflow-bench-");
    this.cleanupOnExit = new Thread(() -> deleteQuietly(root), "walflow-bench-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanupOnExit);
  }

  Path root() {
    return root;
  }

  /** A new empty folder for one measurement. */
  Path newDir(String label) throws IOException {
    return Files.createDirectory(root.resolve(String.format("%02d-%s", next++, label)));
  }

  /** Removes a folder made by {@link #newDir} and everything in it. */
  void delete(Path dir) {
    try {
      deleteTree(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("removing benchmark files in " + dir, e);
    }
  }

  @Override
  public void close() {
    delete(root);
    try {
      Runtime.getRuntime().removeShutdownHook(cleanupOnExit);
    } catch (IllegalStateException shuttingDown) {
      // the hook runs anyway
    }
  }

  private static void deleteQuietly(Path dir) {
    try {
      deleteTree(dir);
    } catch (IOException e) {
      System.err.println("walflow bench: could not remove " + dir + ": " + e.getMessage());
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
