package io.walflow.ingest.decode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A real SQLite database file in rollback-journal mode, so that after each committed transaction
 * the file itself is the complete image (test fixture).
 */
final class TestDb implements AutoCloseable {
  final Path file;
  Connection conn;

  /**
   * @param encoding "UTF-8", "UTF-16le" or "UTF-16be"
   * @param autoVacuum "NONE", "FULL" or "INCREMENTAL"
   */
  TestDb(Path dir, int pageSize, String encoding, String autoVacuum) throws SQLException {
    this(dir, pageSize, encoding, autoVacuum, 0);
  }

  /**
   * @param reservedBytes reserved bytes at the end of each page. SQLite offers no SQL to set them,
   *     so the header of the still-empty file is patched (byte 20, and page 1's cell content start
   *     so that the empty schema page respects the smaller usable size); SQLite then keeps them.
   */
  TestDb(Path dir, int pageSize, String encoding, String autoVacuum, int reservedBytes)
      throws SQLException {
    this.file = dir.resolve("db-" + System.nanoTime() + ".sqlite");
    open(pageSize, encoding, autoVacuum);
    if (reservedBytes > 0) {
      exec("VACUUM");
      conn.close();
      try {
        byte[] b = Files.readAllBytes(file);
        int usable = pageSize - reservedBytes;
        b[20] = (byte) reservedBytes;
        b[105] = (byte) (usable >> 8);
        b[106] = (byte) usable;
        Files.write(file, b);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      open(pageSize, encoding, autoVacuum);
    }
  }

  private void open(int pageSize, String encoding, String autoVacuum) throws SQLException {
    conn = DriverManager.getConnection("jdbc:sqlite:" + file);
    try (Statement st = conn.createStatement()) {
      st.execute("PRAGMA page_size = " + pageSize);
      st.execute("PRAGMA encoding = '" + encoding + "'");
      st.execute("PRAGMA auto_vacuum = " + autoVacuum);
      st.execute("PRAGMA journal_mode = DELETE");
      st.execute("PRAGMA synchronous = OFF");
    }
  }

  TestDb(Path dir) throws SQLException {
    this(dir, 4096, "UTF-8", "NONE");
  }

  void exec(String... sql) throws SQLException {
    try (Statement st = conn.createStatement()) {
      for (String s : sql) {
        st.execute(s);
      }
    }
  }

  /** The database file as it is now (call between transactions). */
  ByteImage image() {
    try {
      if (!Files.exists(file)) {
        return null;
      }
      return ByteImage.of(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() throws SQLException {
    conn.close();
  }
}
