package io.walflow.views.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Who may do what over HTTP: bearer tokens and their rights, or open access (development only).
 *
 * <p>Tokens file format (documented in {@code docs/http-api.md}): UTF-8, one token per line,
 * {@code TOKEN RIGHT[,RIGHT…]}; blank lines and lines starting with {@code #} are ignored. A right
 * is {@code admin} (create and drop views, read every view, status), {@code read:*} (read every
 * view) or {@code read:NAME} (read one view). Tokens are at least 16 characters of {@code
 * [A-Za-z0-9._~+/=-]}.
 */
public final class Access {
  /** Shortest token accepted (a guessable token is no protection). */
  public static final int MIN_TOKEN_LENGTH = 16;
  private final boolean open;
  private final List<Grant> grants;

  private Access(boolean open, List<Grant> grants) {
    this.open = open;
    this.grants = List.copyOf(grants);
  }

  /** No authentication at all: every request may do everything. For local development only. */
  public static Access open() {
    return new Access(true, List.of());
  }

  /** One token with every right. */
  public static Access token(String token) {
    checkToken(token, "--token");
    return new Access(false, List.of(new Grant("token", bytes(token), true, Set.of(), true)));
  }

  /**
   * Tokens and rights from a file.
   *
   * @throws IllegalArgumentException naming the file and line of a malformed entry
   */
  public static Access fromFile(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<Grant> grants = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String at = file + " line " + (i + 1);
      String[] parts = line.split("\\s+");
      if (parts.length != 2) {
        throw new IllegalArgumentException(at + ": expected 'TOKEN RIGHT[,RIGHT…]', found " + parts.length + " fields");
      }
      checkToken(parts[0], at);
      if (!seen.add(parts[0])) {
        throw new IllegalArgumentException(at + ": the token is listed twice");
      }
      boolean admin = false;
      boolean readAll = false;
      Set<String> views = new HashSet<>();
      for (String right : parts[1].split(",")) {
        if (right.equals("admin")) {
          admin = true;
        } else if (right.equals("read:*")) {
          readAll = true;
        } else if (right.startsWith("read:") && right.length() > 5) {
          views.add(right.substring(5));
        } else {
          throw new IllegalArgumentException(at + ": unknown right '" + right + "' (expected admin, read:* or read:VIEW)");
        }
      }
      grants.add(new Grant("token #" + (grants.size() + 1) + " of " + file.getFileName(), bytes(parts[0]), admin,
          views, admin || readAll));
    }
    if (grants.isEmpty()) {
      throw new IllegalArgumentException(file + ": no tokens");
    }
    return new Access(false, grants);
  }

  private static void checkToken(String token, String at) {
    if (token.length() < MIN_TOKEN_LENGTH) {
      throw new IllegalArgumentException(at + ": a token must have at least " + MIN_TOKEN_LENGTH + " characters");
    }
    if (!token.matches("[A-Za-z0-9._~+/=-]+")) {
      throw new IllegalArgumentException(at + ": a token may only hold A-Z a-z 0-9 . _ ~ + / = -");
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  public boolean isOpen() {
    return open;
  }

  /**
   * The grant of a request's {@code Authorization} header value (or of a token given in the URL),
   * or empty when it names no known token. Tokens are compared in constant time.
   */
  public Optional<Grant> authenticate(Optional<String> token) {
    if (open) {
      return Optional.of(Grant.OPEN);
    }
    if (token.isEmpty()) {
      return Optional.empty();
    }
    byte[] given = bytes(token.get());
    Grant found = null;
    for (Grant g : grants) {
      if (MessageDigest.isEqual(g.token, given)) {
        found = g;
      }
    }
    return Optional.ofNullable(found);
  }

  /** The rights of one token. */
  public static final class Grant {
    static final Grant OPEN = new Grant("open", new byte[0], true, Set.of(), true);
    private final String name;
    private final byte[] token;
    private final boolean admin;
    private final Set<String> views;
    private final boolean readAll;

    Grant(String name, byte[] token, boolean admin, Set<String> views, boolean readAll) {
      this.name = name;
      this.token = token;
      this.admin = admin;
      this.views = Set.copyOf(views);
      this.readAll = readAll;
    }

    /** A name for the token that does not reveal it (for limits and logs). */
    public String name() {
      return name;
    }

    public boolean isAdmin() {
      return admin;
    }

    public boolean canRead(String view) {
      return readAll || views.contains(view);
    }
  }
}
