package io.walflow.app.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Ownership of a data directory by one running walflow: an exclusive {@link FileLock} on {@code
 * DIR/walflow.lock}, which holds the owner's pid and command for the error a second process gets.
 * The operating system drops the lock when the process dies, so a crash leaves no stale lock; the
 * file itself stays (its content is rewritten by the next owner).
 */
public final class DataDirLock implements AutoCloseable {
  /** The lock file's name inside the data directory. */
  public static final String FILE_NAME = "walflow.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes {@code dir} (created if missing) for {@code command} ({@code "walflow run"}).
   *
   * @throws DataDirInUseException when another walflow holds it, naming its pid and command
   * @throws IOException when the directory or the lock file cannot be created
   */
  public static DataDirLock acquire(Path dir, String command) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve(FILE_NAME);
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by this very process (another command in the same JVM)
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      String holder = holder(channel);
      channel.close();
      throw new DataDirInUseException(dir, holder);
    }
    try {
      byte[] content = ("pid " + ProcessHandle.current().pid() + "\ncommand " + command + "\n").getBytes(StandardCharsets.UTF_8);
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(content), 0);
      channel.force(false);
    } catch (IOException e) {
      channel.close();
      throw e;
    }
    return new DataDirLock(channel, lock);
  }

  /** {@code walflow run (pid 1234)} from the file's content, or what can be said without it. */
  private static String holder(FileChannel channel) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(512);
    channel.read(buf, 0);
    String pid = null;
    String command = null;
    for (String line : new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).split("\n")) {
      if (line.startsWith("pid ")) {
        pid = line.substring(4).strip();
      } else if (line.startsWith("command ")) {
        command = line.substring(8).strip();
      }
    }
    return (command != null ? command : "walflow") + " (pid " + (pid != null ? pid : "unknown") + ")";
  }

  /** Releases the directory. */
  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
