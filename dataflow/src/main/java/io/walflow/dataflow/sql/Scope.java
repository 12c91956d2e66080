package io.walflow.dataflow.sql;

import io.walflow.dataflow.QueryException;
import io.walflow.dataflow.plan.Affinity;
import io.walflow.dataflow.plan.Expr;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.calcite.sql.SqlIdentifier;

/**
 * The columns a FROM clause makes visible, for name resolution: one entry per table or subquery
 * (its alias and columns), laid out one after the other in the joined row.
 */
final class Scope {

  /** One relation of the FROM clause: columns {@code offset … offset + names.size()} of the row. */
  record Entry(String alias, List<String> names, List<Affinity> affinities, int offset) {}

  private final List<Entry> entries;

  Scope(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  static Scope of(String alias, List<String> names, List<Affinity> affinities) {
    return new Scope(List.of(new Entry(alias, names, affinities, 0)));
  }

  /** This scope followed by {@code right}'s entries, shifted after this one's columns. */
  Scope concat(Scope right) {
    List<Entry> all = new ArrayList<>(entries);
    int shift = width();
    for (Entry e : right.entries) {
      all.add(new Entry(e.alias(), e.names(), e.affinities(), e.offset() + shift));
    }
    return new Scope(all);
  }

  List<Entry> entries() {
    return entries;
  }

  int width() {
    return entries.stream().mapToInt(e -> e.names().size()).sum();
  }

  /** Resolves {@code col} or {@code alias.col}. */
  Expr.Column resolve(SqlIdentifier id) throws QueryException {
    List<String> names = id.names;
    String column = names.get(names.size() - 1);
    Optional<String> qualifier = names.size() >= 2 ? Optional.of(names.get(names.size() - 2)) : Optional.empty();
    Expr.Column found = null;
    boolean qualifierSeen = false;
    for (Entry e : entries) {
      if (qualifier.isPresent() && !qualifier.get().equalsIgnoreCase(e.alias())) {
        continue;
      }
      qualifierSeen = true;
      for (int i = 0; i < e.names().size(); i++) {
        if (e.names().get(i).equalsIgnoreCase(column)) {
          if (found != null) {
            throw Errors.at("ambiguous column name '" + id + "'", id);
          }
          found = new Expr.Column(e.offset() + i, e.affinities().get(i));
        }
      }
    }
    if (found == null) {
      if (qualifier.isPresent() && !qualifierSeen) {
        throw Errors.at("no table or alias named '" + qualifier.get() + "' in FROM; known: " + aliases(), id);
      }
      throw Errors.at("no such column '" + id + "'; columns: " + describe(qualifier), id);
    }
    return found;
  }

  private List<String> aliases() {
    return entries.stream().map(Entry::alias).toList();
  }

  private String describe(Optional<String> qualifier) {
    List<String> out = new ArrayList<>();
    for (Entry e : entries) {
      if (qualifier.isPresent() && !qualifier.get().equalsIgnoreCase(e.alias())) {
        continue;
      }
      for (String n : e.names()) {
        out.add(e.alias() + "." + n);
      }
    }
    return String.join(", ", out);
  }
}
