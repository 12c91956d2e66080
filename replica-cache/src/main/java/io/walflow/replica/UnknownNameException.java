package io.walflow.replica;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** A read named a database or table that the replica does not hold; lists the names it does hold. */
public final class UnknownNameException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String kind;
  private final String name;
  private final List<String> existing;

  public UnknownNameException(String kind, String name, Set<String> existing) {
    super("unknown " + kind + " '" + name + "'; the replica has: " + new TreeSet<>(existing));
    this.kind = kind;
    this.name = name;
    this.existing = List.copyOf(new TreeSet<>(existing));
  }

  /** {@code "database"} or {@code "table"}. */
  public String kind() {
    return kind;
  }

  public String name() {
    return name;
  }

  /** The names that exist, sorted. */
  public List<String> existing() {
    return existing;
  }
}
