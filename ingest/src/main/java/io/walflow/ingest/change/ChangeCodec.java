package io.walflow.ingest.change;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The compact, versioned binary encoding of a {@link ChangeSet}, carried inside log entries.
 *
 * <p>The format is documented byte by byte in {@code docs/change-events.md} ("Binary encoding").
 * In short: a version byte, a dictionary of the table and column names used (each name written
 * once), the schema changes, then the row changes, whose names are dictionary indexes. Integers
 * are zig-zag LEB128 varints, reals 8 big-endian bytes, text UTF-8. Checksums are the log's
 * business, not this codec's.
 *
 * <p>{@link #decode} trusts nothing: every count and length is checked against the bytes that
 * remain before anything is allocated, so garbage input gives a {@link ChangeFormatException},
 * never an {@code OutOfMemoryError}. This class is stateless and thread-safe.
 */
public final class ChangeCodec {
  /** The only version this codec writes and reads. */
  public static final int VERSION = 1;

  // Value tags.
  static final int TAG_NULL = 0;
  static final int TAG_INTEGER = 1;
  static final int TAG_REAL = 2;
  static final int TAG_TEXT = 3;
  static final int TAG_BLOB = 4;

  // Row change header byte: low two bits are the op, the top bit says a rowid follows.
  private static final int ROW_OP_MASK = 0x03;
  private static final int ROW_HAS_ROWID = 0x80;

  // Schema change flags.
  private static final int SCHEMA_HAS_PREVIOUS_NAME = 0x01;

  // Column flags.
  private static final int COL_NOT_NULL = 0x01;
  private static final int COL_HAS_DEFAULT_SQL = 0x02;
  private static final int COL_HAS_DEFAULT_VALUE = 0x04;
  private static final int COL_HAS_PREVIOUS_NAME = 0x08;
  private static final int COL_KNOWN_FLAGS = 0x0f;

  private static final Op[] OPS = {Op.INSERT, Op.UPDATE, Op.DELETE};
  private static final SchemaOp[] SCHEMA_OPS = SchemaOp.values();

  private ChangeCodec() {}

  /** Encodes {@code changes} (version {@value #VERSION}). */
  public static byte[] encode(ChangeSet changes) {
    Map<String, Integer> names = new LinkedHashMap<>();
    for (SchemaChange s : changes.schemaChanges()) {
      names.putIfAbsent(s.table(), names.size());
      for (Column c : s.columns()) {
        names.putIfAbsent(c.name(), names.size());
      }
    }
    for (RowChange r : changes.rowChanges()) {
      names.putIfAbsent(r.table(), names.size());
      addNames(names, r.key());
      addNames(names, r.before());
      addNames(names, r.after());
    }
    // Presized for typical short rows, so that a large change set is not copied while it grows.
    Sink out = new Sink(256 + 48 * changes.rowChanges().size());
    out.u8(VERSION);
    out.uvarint(names.size());
    for (String name : names.keySet()) {
      out.string(name);
    }
    out.uvarint(changes.schemaChanges().size());
    for (SchemaChange s : changes.schemaChanges()) {
      out.u8(s.op().ordinal());
      out.uvarint(names.get(s.table()));
      out.u8(s.previousName().isPresent() ? SCHEMA_HAS_PREVIOUS_NAME : 0);
      s.previousName().ifPresent(out::string);
      out.string(s.sql());
      out.uvarint(s.columns().size());
      for (Column c : s.columns()) {
        out.uvarint(names.get(c.name()));
        out.string(c.type());
        out.uvarint(c.pk());
        int flags = (c.notNull() ? COL_NOT_NULL : 0)
            | (c.defaultSql().isPresent() ? COL_HAS_DEFAULT_SQL : 0)
            | (c.defaultValue().isPresent() ? COL_HAS_DEFAULT_VALUE : 0)
            | (c.previousName().isPresent() ? COL_HAS_PREVIOUS_NAME : 0);
        out.u8(flags);
        c.defaultSql().ifPresent(out::string);
        c.defaultValue().ifPresent(out::value);
        c.previousName().ifPresent(out::string);
      }
    }
    out.uvarint(changes.rowChanges().size());
    for (RowChange r : changes.rowChanges()) {
      out.u8(r.op().ordinal() | (r.rowid().isPresent() ? ROW_HAS_ROWID : 0));
      out.uvarint(names.get(r.table()));
      if (r.rowid().isPresent()) {
        out.svarint(r.rowid().getAsLong());
      }
      writeRow(out, names, r.key());
      writeRow(out, names, r.before());
      writeRow(out, names, r.after());
    }
    return out.toByteArray();
  }

  private static void addNames(Map<String, Integer> names, Map<String, Value> row) {
    for (String column : row.keySet()) {
      names.putIfAbsent(column, names.size());
    }
  }

  private static void writeRow(Sink out, Map<String, Integer> names, Map<String, Value> row) {
    out.uvarint(row.size());
    for (Map.Entry<String, Value> e : row.entrySet()) {
      out.uvarint(names.get(e.getKey()));
      out.value(e.getValue());
    }
  }

  /**
   * Decodes bytes written by {@link #encode}.
   *
   * @throws ChangeFormatException if the bytes are not exactly one valid encoding (including
   *     trailing bytes after it), naming the offset and what was expected
   */
  public static ChangeSet decode(byte[] bytes) throws ChangeFormatException {
    Source in = new Source(bytes);
    int version = in.u8("version");
    if (version != VERSION) {
      throw new ChangeFormatException(0, "unknown version " + version + ", expected " + VERSION);
    }
    int nameCount = in.count("name count");
    String[] names = new String[nameCount];
    for (int i = 0; i < nameCount; i++) {
      names[i] = in.string("name");
    }
    int schemaCount = in.count("schema change count");
    List<SchemaChange> schema = new ArrayList<>(schemaCount);
    for (int i = 0; i < schemaCount; i++) {
      schema.add(readSchemaChange(in, names));
    }
    int rowCount = in.count("row change count");
    List<RowChange> rows = new ArrayList<>(rowCount);
    for (int i = 0; i < rowCount; i++) {
      rows.add(readRowChange(in, names));
    }
    if (in.remaining() != 0) {
      throw new ChangeFormatException(in.pos, in.remaining() + " trailing bytes after the change set");
    }
    return new ChangeSet(schema, rows);
  }

  private static SchemaChange readSchemaChange(Source in, String[] names)
      throws ChangeFormatException {
    int at = in.pos;
    int opCode = in.u8("schema op");
    if (opCode >= SCHEMA_OPS.length) {
      throw new ChangeFormatException(at, "unknown schema op " + opCode);
    }
    String table = in.name(names);
    int flagsAt = in.pos;
    int flags = in.u8("schema flags");
    if ((flags & ~SCHEMA_HAS_PREVIOUS_NAME) != 0) {
      throw new ChangeFormatException(flagsAt, "unknown schema flags " + flags);
    }
    Optional<String> previous =
        (flags & SCHEMA_HAS_PREVIOUS_NAME) != 0 ? Optional.of(in.string("previous name")) : Optional.empty();
    String sql = in.string("sql");
    int columnCount = in.count("column count");
    List<Column> columns = new ArrayList<>(columnCount);
    for (int i = 0; i < columnCount; i++) {
      String name = in.name(names);
      String type = in.string("column type");
      int pkAt = in.pos;
      long pk = in.uvarint("pk position");
      if (pk < 0 || pk > Integer.MAX_VALUE) {
        throw new ChangeFormatException(pkAt, "pk position " + Long.toUnsignedString(pk) + " too large");
      }
      int colFlagsAt = in.pos;
      int colFlags = in.u8("column flags");
      if ((colFlags & ~COL_KNOWN_FLAGS) != 0) {
        throw new ChangeFormatException(colFlagsAt, "unknown column flags " + colFlags);
      }
      Optional<String> defaultSql =
          (colFlags & COL_HAS_DEFAULT_SQL) != 0 ? Optional.of(in.string("default sql")) : Optional.empty();
      Optional<Value> defaultValue =
          (colFlags & COL_HAS_DEFAULT_VALUE) != 0 ? Optional.of(in.value()) : Optional.empty();
      Optional<String> columnPrevious =
          (colFlags & COL_HAS_PREVIOUS_NAME) != 0 ? Optional.of(in.string("column previous name")) : Optional.empty();
      columns.add(new Column(name, type, (int) pk, (colFlags & COL_NOT_NULL) != 0,
          defaultSql, defaultValue, columnPrevious));
    }
    return new SchemaChange(table, SCHEMA_OPS[opCode], sql, columns, previous);
  }

  private static RowChange readRowChange(Source in, String[] names) throws ChangeFormatException {
    int at = in.pos;
    int header = in.u8("row op");
    int opCode = header & ROW_OP_MASK;
    if (opCode >= OPS.length || (header & ~(ROW_OP_MASK | ROW_HAS_ROWID)) != 0) {
      throw new ChangeFormatException(at, "bad row change header byte " + header);
    }
    String table = in.name(names);
    OptionalLong rowid =
        (header & ROW_HAS_ROWID) != 0 ? OptionalLong.of(in.svarint("rowid")) : OptionalLong.empty();
    Map<String, Value> key = readRow(in, names, "key");
    Map<String, Value> before = readRow(in, names, "before");
    Map<String, Value> after = readRow(in, names, "after");
    try {
      return new RowChange(table, OPS[opCode], rowid, key, before, after);
    } catch (IllegalArgumentException e) {
      throw new ChangeFormatException(at, "invalid row change: " + e.getMessage());
    }
  }

  private static Map<String, Value> readRow(Source in, String[] names, String what)
      throws ChangeFormatException {
    int count = in.count(what + " column count");
    Map<String, Value> row = new LinkedHashMap<>(Math.max(4, count * 2));
    for (int i = 0; i < count; i++) {
      int at = in.pos;
      String column = in.name(names);
      if (row.put(column, in.value()) != null) {
        throw new ChangeFormatException(at, "column " + column + " repeated in " + what);
      }
    }
    return row;
  }

  /** A growable output buffer; cheaper than a stream for many small writes. */
  private static final class Sink {
    /** Strings up to this many chars are checked for ASCII and copied char by char. */
    private static final int SHORT_STRING = 64;

    private byte[] buf;
    private int len;

    Sink(int capacity) {
      buf = new byte[Math.max(64, capacity)];
    }

    void u8(int b) {
      ensure(1);
      buf[len++] = (byte) b;
    }

    void uvarint(long v) {
      ensure(10);
      while ((v & ~0x7fL) != 0) {
        buf[len++] = (byte) ((v & 0x7f) | 0x80);
        v >>>= 7;
      }
      buf[len++] = (byte) v;
    }

    void svarint(long v) {
      uvarint((v << 1) ^ (v >> 63));
    }

    void bytes(byte[] b) {
      uvarint(b.length);
      ensure(b.length);
      System.arraycopy(b, 0, buf, len, b.length);
      len += b.length;
    }

    /**
     * UTF-8 with its length first. Short ASCII strings (names, most values) are written straight
     * into the buffer, without the intermediate array of {@link String#getBytes}; others go through
     * it (for long strings its vectorised copy beats a char loop), so the bytes are always exactly
     * {@code s.getBytes(UTF_8)}.
     */
    void string(String s) {
      int n = s.length();
      if (n > SHORT_STRING) {
        bytes(s.getBytes(StandardCharsets.UTF_8));
        return;
      }
      for (int i = 0; i < n; i++) {
        if (s.charAt(i) >= 0x80) {
          bytes(s.getBytes(StandardCharsets.UTF_8));
          return;
        }
      }
      uvarint(n);
      ensure(n);
      byte[] b = buf;
      int at = len;
      for (int i = 0; i < n; i++) {
        b[at + i] = (byte) s.charAt(i);
      }
      len = at + n;
    }

    void value(Value v) {
      if (v instanceof IntegerValue i) {
        u8(TAG_INTEGER);
        svarint(i.value());
      } else if (v instanceof RealValue r) {
        ensure(9);
        buf[len++] = TAG_REAL;
        long bits = Double.doubleToRawLongBits(r.value());
        for (int shift = 56; shift >= 0; shift -= 8) {
          buf[len++] = (byte) (bits >>> shift);
        }
      } else if (v instanceof TextValue t) {
        u8(TAG_TEXT);
        string(t.value());
      } else if (v instanceof BlobValue b) {
        u8(TAG_BLOB);
        bytes(b.value());
      } else {
        u8(TAG_NULL);
      }
    }

    private void ensure(int n) {
      if (len + n > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
      }
    }

    byte[] toByteArray() {
      return Arrays.copyOf(buf, len);
    }
  }

  /** A bounds-checked reader over the encoded bytes. */
  private static final class Source {
    private final byte[] buf;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    int pos;

    Source(byte[] buf) {
      this.buf = buf;
    }

    int remaining() {
      return buf.length - pos;
    }

    int u8(String what) throws ChangeFormatException {
      if (pos >= buf.length) {
        throw new ChangeFormatException(pos, "end of input, expected " + what);
      }
      return buf[pos++] & 0xff;
    }

    long uvarint(String what) throws ChangeFormatException {
      int start = pos;
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        int b = u8(what);
        if (shift == 63 && b > 1) {
          throw new ChangeFormatException(start, "varint for " + what + " overflows 64 bits");
        }
        v |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          return v;
        }
      }
      throw new ChangeFormatException(start, "varint for " + what + " longer than 10 bytes");
    }

    long svarint(String what) throws ChangeFormatException {
      long z = uvarint(what);
      return (z >>> 1) ^ -(z & 1);
    }

    /** A count of items that each take at least one byte: never more than the bytes left. */
    int count(String what) throws ChangeFormatException {
      int at = pos;
      long n = uvarint(what);
      if (n < 0 || n > remaining()) { // n < 0: a varint of 2^63 or more
        throw new ChangeFormatException(at, what + " " + Long.toUnsignedString(n) + " exceeds the "
            + remaining() + " bytes left");
      }
      return (int) n;
    }

    byte[] bytes(String what) throws ChangeFormatException {
      int n = count(what + " length");
      byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
      pos += n;
      return b;
    }

    String string(String what) throws ChangeFormatException {
      int at = pos;
      int n = count(what + " length");
      try {
        CharBuffer chars = utf8.reset().decode(ByteBuffer.wrap(buf, pos, n));
        pos += n;
        return chars.toString();
      } catch (CharacterCodingException e) {
        throw new ChangeFormatException(at, what + " is not valid UTF-8");
      }
    }

    String name(String[] names) throws ChangeFormatException {
      int at = pos;
      long index = uvarint("name index");
      if (index < 0 || index >= names.length) { // index < 0: a varint of 2^63 or more
        throw new ChangeFormatException(at, "name index " + Long.toUnsignedString(index)
            + " outside the " + names.length + " names");
      }
      return names[(int) index];
    }

    Value value() throws ChangeFormatException {
      int at = pos;
      int tag = u8("value tag");
      return switch (tag) {
        case TAG_NULL -> NullValue.INSTANCE;
        case TAG_INTEGER -> new IntegerValue(svarint("integer"));
        case TAG_REAL -> {
          if (remaining() < 8) {
            throw new ChangeFormatException(pos, "end of input, expected 8 bytes of real");
          }
          long bits = 0;
          for (int i = 0; i < 8; i++) {
            bits = (bits << 8) | (buf[pos++] & 0xff);
          }
          yield new RealValue(Double.longBitsToDouble(bits));
        }
        case TAG_TEXT -> new TextValue(string("text"));
        case TAG_BLOB -> new BlobValue(bytes("blob"));
        default -> throw new ChangeFormatException(at, "unknown value tag " + tag + ", expected 0..4");
      };
    }
  }
}
