package io.walflow.dataflow.graph;

import java.util.Arrays;

/**
 * The values of some columns compared as SQLite's {@code =}, GROUP BY and DISTINCT compare them
 * (1 and 1.0 equal, text and numbers never equal): a hash key for joins, groups, partitions and the
 * reader. Built by {@link Semantics#key}.
 */
public final class Key {
  /** The key of no columns (a view without parameters, a global aggregate). */
  public static final Key EMPTY = new Key(new Object[0]);

  private final Object[] parts;
  private final int hash;

  Key(Object[] parts) {
    this.parts = parts;
    this.hash = Arrays.hashCode(parts);
  }

  /** The number of columns. */
  public int size() {
    return parts.length;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Key k && k.hash == hash && Arrays.equals(k.parts, parts);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return Arrays.toString(parts);
  }
}
