package io.walflow.ingest.digest;

import io.walflow.ingest.log.ShortUtf8;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * Capture's digest of a database saved beside its image ({@code images/<db>.digest}), with the
 * LSN it describes, so that a restart does not decode the whole database again. Written
 * atomically (temporary file, then rename), only for an LSN already durable in the log. Layout,
 * big-endian: magic {@code WFD1}, u64 LSN, u32 buckets, u32 tables, per table (u16 name length,
 * name, u16 columns, each u16 length + name, u8 verified, u64 rows, B x u64 sums when verified),
 * then the CRC-32C of everything before it.
 */
public final class DigestFile {
  private static final int MAGIC = 0x57464431; // "WFD1"

  /** A digest and the LSN it describes. */
  public record Saved(long lsn, DatabaseDigest digest) {}

  private DigestFile() {}

  /** The file's bytes for {@code digest} at {@code lsn}. */
  public static byte[] encode(long lsn, DatabaseDigest digest) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(MAGIC);
      out.writeLong(lsn);
      out.writeInt(digest.buckets());
      out.writeInt(digest.tables().size());
      for (var e : digest.tables().entrySet()) {
        ShortUtf8.write(out, e.getKey());
        TableDigest t = e.getValue();
        out.writeShort(t.columns().size());
        for (String c : t.columns()) {
          ShortUtf8.write(out, c);
        }
        out.writeByte(t.verified() ? 1 : 0);
        out.writeLong(t.rows());
        for (int b = 0; b < t.buckets(); b++) {
          out.writeLong(t.sum(b));
        }
      }
      CRC32C crc = new CRC32C();
      crc.update(bytes.toByteArray());
      out.writeInt((int) crc.getValue());
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes {@code bytes} (from {@link #encode}) to {@code file} atomically. */
  public static void write(Path file, byte[] bytes) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, bytes);
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Reads {@code file}; empty when it does not exist.
   *
   * @throws DigestFormatException when it is damaged (CRC, lengths)
   */
  public static Optional<Saved> read(Path file) throws IOException {
    byte[] all;
    try {
      all = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    if (all.length < 24) {
      throw new DigestFormatException(file + ": " + all.length + " bytes, too short for a digest file");
    }
    ByteBuffer b = ByteBuffer.wrap(all);
    CRC32C crc = new CRC32C();
    crc.update(all, 0, all.length - 4);
    int stored = b.getInt(all.length - 4);
    if (stored != (int) crc.getValue()) {
      throw new DigestFormatException(String.format("%s: CRC-32C stored %08x, computed %08x", file, stored, (int) crc.getValue()));
    }
    b.limit(all.length - 4);
    try {
      if (b.getInt() != MAGIC) {
        throw new DigestFormatException(file + ": not a digest file (magic)");
      }
      long lsn = b.getLong();
      DatabaseDigest d = new DatabaseDigest(b.getInt());
      int tables = b.getInt();
      for (int i = 0; i < tables; i++) {
        String name = ShortUtf8.read(b);
        int nc = b.getShort() & 0xffff;
        List<String> cols = new ArrayList<>(nc);
        for (int c = 0; c < nc; c++) {
          cols.add(ShortUtf8.read(b));
        }
        boolean verified = b.get() == 1;
        long rows = b.getLong();
        long[] sums = new long[verified ? d.buckets() : 0];
        b.asLongBuffer().get(sums);
        b.position(b.position() + 8 * sums.length);
        d.put(name, new TableDigest(cols, sums, rows, verified));
      }
      if (b.hasRemaining()) {
        throw new DigestFormatException(file + ": " + b.remaining() + " bytes after the last table");
      }
      return Optional.of(new Saved(lsn, d));
    } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
      throw new DigestFormatException(file + ": malformed digest file (" + e + ")");
    }
  }


}
