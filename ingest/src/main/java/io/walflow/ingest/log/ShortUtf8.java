package io.walflow.ingest.log;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A name in walflow's binary files and transfers (digest files, repair bucket rows): its UTF-8 length
 * as an unsigned big-endian 16-bit integer, then the bytes.
 */
public final class ShortUtf8 {
  private ShortUtf8() {}

  public static void write(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > 0xffff) {
      throw new IllegalArgumentException("a name of " + b.length + " UTF-8 bytes (at most 65535): " + s.substring(0, 40));
    }
    out.writeShort(b.length);
    out.write(b);
  }

  /** Reads one; a buffer that ends early throws {@link java.nio.BufferUnderflowException}. */
  public static String read(ByteBuffer b) {
    int len = b.getShort() & 0xffff;
    byte[] s = new byte[len];
    b.get(s);
    return new String(s, StandardCharsets.UTF_8);
  }
}
