package io.walflow.dataflow.graph;

import io.walflow.dataflow.plan.Affinity;
import io.walflow.dataflow.plan.Plan;
import io.walflow.dataflow.plan.ViewPlan;
import io.walflow.dataflow.state.BaseStore;
import io.walflow.dataflow.state.ValueCodec;
import io.walflow.ingest.change.Column;
import io.walflow.ingest.change.RowChange;
import io.walflow.ingest.change.Value;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;

/**
 * The operator graph of every view: base tables, shared operators, readers, and how a
 * transaction's row changes flow through them.
 *
 * <p><b>Sharing.</b> Full operators are shared by every view whose plan contains the same sub-plan
 * (plans are records: equal sub-plans compute equal rows) and reference-counted; partial operators
 * belong to one view (their partitions follow that view's reader keys). Scans are stateless and
 * always shared.
 *
 * <p><b>Propagation.</b> A transaction is written to the base-table store in one batch, then its
 * deltas flow through the operators in topological order. Operators that share no state form
 * independent components (connected through scans only); components run in parallel on the worker
 * threads, and within a component an operator's deltas are split by key across them ({@link
 * Shards}); {@link #apply} returns only when all are done, so the caller publishes a whole
 * transaction or nothing.
 *
 * <p><b>Migrations.</b> A view can be built off the engine's lock ({@link #migrate}, {@link
 * Migration}) and joined to the live graph afterwards ({@link #finish}).
 *
 * <p>Not thread-safe: the engine calls it under its transaction lock.
 */
public final class Graph {
  private final BaseStore store;
  /** Null: everything runs on the caller's thread. */
  private final Shards shards;
  private final Map<String, Map<String, BaseTable>> tables = new HashMap<>();
  private final Map<Object, Node> shared = new HashMap<>();
  private final Map<Node, Integer> componentOf = new IdentityHashMap<>();
  private List<List<Node>> components = List.of();
  private final Set<Node> live = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
  /** Views being built off the transaction lock; each gets every later transaction of its database. */
  private final List<Migration> migrations = new ArrayList<>();

  /**
   * @param workers runs components and operator shards in parallel; null runs everything on the
   *     caller's thread
   */
  public Graph(BaseStore store, ForkJoinPool workers) {
    this.store = store;
    this.shards = workers == null ? null : new Shards(workers);
  }

  // ---- base tables --------------------------------------------------------------------------

  /** A table of a database, when it exists. */
  public BaseTable table(String db, String name) {
    return tables.getOrDefault(db, Map.of()).get(name.toLowerCase(Locale.ROOT));
  }

  /** A new, empty table that is not yet installed (a snapshot stages its tables this way). */
  public BaseTable newTable(String db, String name, List<Column> columns) {
    return new BaseTable(store, db, name, columns);
  }

  /** Installs a table (replacing and deleting a table of the same name). */
  public void install(BaseTable t) {
    BaseTable old = tables.computeIfAbsent(t.db(), d -> new HashMap<>()).put(t.name().toLowerCase(Locale.ROOT), t);
    if (old != null && old != t) {
      old.drop();
    }
  }

  /** Removes and deletes a table (its scans must have been released). */
  public void dropTable(String db, String name) {
    BaseTable t = tables.getOrDefault(db, Map.of()).remove(name.toLowerCase(Locale.ROOT));
    if (t != null) {
      t.drop();
    }
  }

  /** Removes and deletes every table of a database (before a snapshot's tables are installed). */
  public void dropDatabase(String db) {
    invalidateMigrations(db);
    Map<String, BaseTable> old = tables.remove(db);
    if (old != null) {
      old.values().forEach(BaseTable::drop);
    }
  }

  /** The tables of a database. */
  public List<BaseTable> tables(String db) {
    return List.copyOf(tables.getOrDefault(db, Map.of()).values());
  }

  /** Renames a table in place (its rows stay). */
  public void rename(String db, String from, String to) {
    Map<String, BaseTable> m = tables.get(db);
    BaseTable t = m.remove(from.toLowerCase(Locale.ROOT));
    t.renameTo(to);
    BaseTable replaced = m.put(to.toLowerCase(Locale.ROOT), t);
    if (replaced != null && replaced != t) {
      replaced.drop();
    }
  }

  /**
   * Rebinds the scans of a table whose columns changed; the scans whose columns are gone or changed
   * type, each with the problem (the views using them must be released).
   */
  public Map<Node, String> rebind(BaseTable t) {
    Map<Node, String> problems = new IdentityHashMap<>();
    for (ScanNode s : List.copyOf(t.scans)) {
      String problem = s.bind(t);
      if (problem != null) {
        problems.put(s, problem);
      }
    }
    return problems;
  }

  /** Writes rows of a staged table (a snapshot's inserts) in one batch. */
  public void load(BaseTable t, List<RowChange> inserts) {
    try (BaseStore.Batch batch = store.batch()) {
      for (RowChange c : inserts) {
        t.write(batch, ValueCodec.encode(List.copyOf(c.key().values())), null, t.toRow(c.after()));
      }
      batch.commit();
    }
  }

  // ---- building views ------------------------------------------------------------------------

  /** Whether {@code plan} can be partitioned by {@code columns} (each traced to a stateful operator). */
  static boolean traceable(Plan plan, int[] columns) {
    if (plan instanceof Plan.Scan) {
      return true;
    } else if (plan instanceof Plan.Filter f) {
      return traceable(f.input(), columns);
    } else if (plan instanceof Plan.Distinct d) {
      return traceable(d.input(), columns);
    } else if (plan instanceof Plan.Project p) {
      int[] m = new int[columns.length];
      for (int i = 0; i < m.length; i++) {
        m[i] = ProjectNode.source(p, columns[i]);
        if (m[i] < 0) {
          return false;
        }
      }
      return traceable(p.input(), m);
    } else if (plan instanceof Plan.Aggregate a) {
      int[] m = new int[columns.length];
      for (int i = 0; i < m.length; i++) {
        if (columns[i] >= a.groupBy().size()) {
          return false;
        }
        m[i] = a.groupBy().get(columns[i]);
      }
      return traceable(a.input(), m);
    } else if (plan instanceof Plan.TopK t) {
      return Arrays.stream(columns).allMatch(t.groupBy()::contains) && traceable(t.input(), columns);
    } else if (plan instanceof Plan.Union u) {
      return u.inputs().stream().allMatch(i -> traceable(i, columns));
    } else if (plan instanceof Plan.Join j) {
      int side = joinSide(j, columns);
      return side >= 0 && traceable(side == 0 ? j.left() : j.right(), sideColumns(j, side, columns));
    }
    throw new IllegalStateException("unknown plan node " + plan.getClass().getSimpleName());
  }

  /**
   * Whether the side of a partial join opposite {@code partialSide} can hold join keys lazily:
   * filled by a lookup of the raw key values, which is right only when the join's comparison
   * affinity cannot change that side's values — each key column is a stored column (traced through
   * the plan) of the same affinity class as the comparison, or the comparison applies none.
   */
  static boolean lazyJoinable(Plan.Join j, int partialSide) {
    Plan other = partialSide == 0 ? j.right() : j.left();
    List<Integer> otherKeys = partialSide == 0 ? j.rightKeys() : j.leftKeys();
    for (int i = 0; i < otherKeys.size(); i++) {
      Affinity compare = j.keyAffinities().get(i);
      if (compare == Affinity.NONE || compare == Affinity.BLOB) {
        continue;
      }
      Affinity stored = storedAffinity(other, otherKeys.get(i));
      boolean same = stored != null
          && (stored.isNumeric() ? compare.isNumeric() : stored == Affinity.TEXT && compare == Affinity.TEXT);
      if (!same) {
        return false;
      }
    }
    return true;
  }

  /** The declared affinity of the table column {@code column} of {@code plan} copies, or null. */
  private static Affinity storedAffinity(Plan plan, int column) {
    if (plan instanceof Plan.Scan s) {
      return s.affinities().get(column);
    } else if (plan instanceof Plan.Filter f) {
      return storedAffinity(f.input(), column);
    } else if (plan instanceof Plan.Distinct d) {
      return storedAffinity(d.input(), column);
    } else if (plan instanceof Plan.TopK t) {
      return storedAffinity(t.input(), column);
    } else if (plan instanceof Plan.Project p) {
      int source = ProjectNode.source(p, column);
      return source < 0 ? null : storedAffinity(p.input(), source);
    } else if (plan instanceof Plan.Aggregate a) {
      return column < a.groupBy().size() ? storedAffinity(a.input(), a.groupBy().get(column)) : null;
    } else if (plan instanceof Plan.Join j) {
      int leftWidth = j.left().columns().size();
      return column < leftWidth ? storedAffinity(j.left(), column) : storedAffinity(j.right(), column - leftWidth);
    } else if (plan instanceof Plan.Union u) {
      Affinity first = storedAffinity(u.inputs().get(0), column);
      for (Plan in : u.inputs()) {
        if (first == null || storedAffinity(in, column) != first) {
          return null;
        }
      }
      return first;
    }
    return null;
  }

  /** The join side holding all {@code columns} (the left one for none), or -1. */
  private static int joinSide(Plan.Join j, int[] columns) {
    int leftWidth = j.left().columns().size();
    if (Arrays.stream(columns).allMatch(c -> c < leftWidth)) {
      return 0;
    }
    if (!j.leftOuter() && Arrays.stream(columns).allMatch(c -> c >= leftWidth)) {
      return 1;
    }
    return -1;
  }

  private static int[] sideColumns(Plan.Join j, int side, int[] columns) {
    int leftWidth = j.left().columns().size();
    return Arrays.stream(columns).map(c -> side == 1 ? c - leftWidth : c).toArray();
  }

  /**
   * Builds (or shares) the operators of a view. Partial when {@code partial} is asked and the
   * view's key can be traced to its stateful operators; full otherwise (full operators are
   * backfilled from their inputs now). Every table the plan scans must exist.
   *
   * @throws MissingTableException when a scanned table does not exist or lacks a column
   */
  public ViewGraph build(String view, ViewPlan vp, boolean partial, Set<Key> watched) {
    int[] keyColumns = vp.keyColumns().stream().mapToInt(Integer::intValue).toArray();
    boolean isPartial = partial && traceable(vp.plan(), keyColumns);
    Builder b = new Builder(view);
    try {
      Node top = b.build(vp.plan(), isPartial ? keyColumns : null);
      ReaderNode reader = new ReaderNode(top, keyColumns, isPartial, watched);
      b.attach(reader);
      reader.backfill();
      b.used.add(reader);
      ViewGraph g = new ViewGraph(reader, List.copyOf(b.used), List.copyOf(b.partials), Set.copyOf(b.tables),
          isPartial);
      recomputeComponents();
      return g;
    } catch (RuntimeException e) {
      for (int i = b.used.size() - 1; i >= 0; i--) {
        release(b.used.get(i));
      }
      recomputeComponents();
      throw e;
    }
  }

  /** The key under which an operator is shared: full ones by plan, partial ones per view and key. */
  private static Object identity(String view, Plan plan, int[] cols) {
    return plan instanceof Plan.Scan || cols == null ? plan : List.of(view, plan, Arrays.toString(cols));
  }

  // ---- migrations: building a view off the transaction lock --------------------------------

  /**
   * Starts building a view off the transaction lock (call under it): resolves the plan's tables,
   * takes a store snapshot at the current state, and from now on queues every transaction of the
   * view's database for it. Then {@link Migration#build()} and {@link Migration#catchUp()} run
   * without the lock, and {@link #finish} (under the lock) joins it to the live graph.
   *
   * @throws MissingTableException when a scanned table does not exist
   */
  public Migration migrate(String view, ViewPlan vp, boolean partial, Set<Key> watched) {
    Map<Plan.Scan, BaseTable> resolved = new HashMap<>();
    collectScans(vp.plan(), resolved);
    int[] keyColumns = vp.keyColumns().stream().mapToInt(Integer::intValue).toArray();
    Migration m = new Migration(this, view, vp, partial && traceable(vp.plan(), keyColumns), watched, resolved,
        store.snapshot());
    migrations.add(m);
    return m;
  }

  private void collectScans(Plan plan, Map<Plan.Scan, BaseTable> out) {
    if (plan instanceof Plan.Scan s) {
      BaseTable t = table(s.db(), s.table());
      if (t == null) {
        throw new MissingTableException("table " + s.db() + "." + s.table() + " does not exist");
      }
      out.put(s, t);
    } else if (plan instanceof Plan.Filter f) {
      collectScans(f.input(), out);
    } else if (plan instanceof Plan.Project p) {
      collectScans(p.input(), out);
    } else if (plan instanceof Plan.Aggregate a) {
      collectScans(a.input(), out);
    } else if (plan instanceof Plan.Distinct d) {
      collectScans(d.input(), out);
    } else if (plan instanceof Plan.TopK t) {
      collectScans(t.input(), out);
    } else if (plan instanceof Plan.Union u) {
      u.inputs().forEach(i -> collectScans(i, out));
    } else if (plan instanceof Plan.Join j) {
      collectScans(j.left(), out);
      collectScans(j.right(), out);
    } else {
      throw new IllegalStateException("unknown plan node " + plan.getClass().getSimpleName());
    }
  }

  /** Builds a migration's private operators from its snapshot (off the lock; see {@link Migration#build()}). */
  void buildPrivately(Migration m) {
    Builder b = new Builder(m.view, m);
    Node top = b.build(m.plan.plan(), m.partial ? m.keyColumns() : null);
    ReaderNode reader = new ReaderNode(top, m.keyColumns(), m.partial, m.watched);
    top.outputs.add(new Node.Edge(reader, 0));
    reader.backfill();
    m.reader = reader;
  }

  /** Marks the migrations of {@code db} stale: a schema change or snapshot makes them rebuild. */
  public void invalidateMigrations(String db) {
    for (Migration m : migrations) {
      if (m.plan.db().equals(db)) {
        m.invalidate();
      }
    }
  }

  /** Stops every migration (the engine closes; under the lock). */
  public void abandonMigrations() {
    for (Migration m : List.copyOf(migrations)) {
      abandon(m);
    }
  }

  /** Stops a migration and frees its snapshot (under the lock). */
  public void abandon(Migration m) {
    migrations.remove(m);
    m.close();
  }

  /**
   * Joins a built, caught-up migration to the live graph (under the lock, after a last {@link
   * Migration#catchUp()}): its operators whose sub-plan the live graph already has are replaced by
   * the shared ones (equal plans at the same LSN hold equal rows, so the operators above them are
   * consistent), the others become live and shareable, its scans read the live store.
   */
  public ViewGraph finish(Migration m) {
    migrations.remove(m);
    m.close();
    for (Node n : m.identities.keySet()) {
      n.outputs.clear();
    }
    Builder b = new Builder(m.view);
    ReaderNode reader = m.reader;
    reader.inputs.set(0, merge(reader.inputs.get(0), m, b));
    b.attach(reader);
    b.used.add(reader);
    recomputeComponents();
    return new ViewGraph(reader, List.copyOf(b.used), List.copyOf(b.partials), Set.copyOf(b.tables), m.partial);
  }

  private Node merge(Node mine, Migration m, Builder b) {
    Object identity = m.identities.get(mine);
    Node existing = shared.get(identity);
    if (existing != null) {
      b.acquire(existing);
      return existing;
    }
    for (int port = 0; port < mine.inputs.size(); port++) {
      mine.inputs.set(port, merge(mine.inputs.get(port), m, b));
    }
    if (mine instanceof ScanNode s) {
      s.readAt(null);
      s.table().scans.add(s);
      b.tables.add(s.table());
    }
    b.attach(mine);
    b.used.add(mine);
    shared.put(identity, mine);
    if (mine.partial()) {
      b.partials.add(mine);
    }
    return mine;
  }

  /** Releases a view's operators; those no other view uses are removed. */
  public void release(ViewGraph g) {
    List<Node> nodes = g.nodes();
    for (int i = nodes.size() - 1; i >= 0; i--) {
      release(nodes.get(i));
    }
    recomputeComponents();
  }

  private void release(Node n) {
    if (--n.refs > 0) {
      return;
    }
    n.clear();
    live.remove(n);
    shared.values().removeIf(x -> x == n);
    for (int port = 0; port < n.inputs.size(); port++) {
      Node in = n.inputs.get(port);
      int p = port;
      in.outputs.removeIf(e -> e.to() == n && e.port() == p);
    }
    if (n instanceof ScanNode s) {
      s.table().scans.remove(s);
    }
  }

  private final class Builder {
    final String view;
    final List<Node> used = new ArrayList<>();
    final List<Node> partials = new ArrayList<>();
    final Set<BaseTable> tables = new LinkedHashSet<>();
    /**
     * Null for a build into the live graph. Otherwise a private build off the transaction lock: it
     * shares nothing with the live graph (equal sub-plans within the view are built once), its
     * scans read the migration's store snapshot and tables, and it touches no graph state.
     */
    final Migration migration;

    Builder(String view) {
      this(view, null);
    }

    Builder(String view, Migration migration) {
      this.view = view;
      this.migration = migration;
    }

    /** References a shared operator and everything below it, as building it again would. */
    private void acquire(Node n) {
      for (Node in : n.inputs) {
        acquire(in);
      }
      n.refs++;
      used.add(n);
      if (n instanceof ScanNode s) {
        tables.add(s.table());
      }
      if (n.partial()) {
        partials.add(n);
      }
    }

    void attach(Node n) {
      for (int port = 0; port < n.inputs.size(); port++) {
        n.inputs.get(port).outputs.add(new Node.Edge(n, port));
      }
      n.refs++;
      live.add(n);
    }

    Node build(Plan plan, int[] cols) {
      Object identity = identity(view, plan, cols);
      if (migration != null) {
        Node mine = migration.built.get(identity);
        if (mine != null) {
          return mine;
        }
        Node n = create(plan, cols);
        for (int port = 0; port < n.inputs.size(); port++) {
          n.inputs.get(port).outputs.add(new Node.Edge(n, port));
        }
        migration.built.put(identity, n);
        migration.identities.put(n, identity);
        n.backfill();
        return n;
      }
      Node existing = shared.get(identity);
      if (existing != null) {
        acquire(existing);
        return existing;
      }
      Node n = create(plan, cols);
      attach(n);
      used.add(n);
      shared.put(identity, n);
      n.backfill();
      if (n.partial()) {
        partials.add(n);
      }
      return n;
    }

    private Node create(Plan plan, int[] cols) {
      int[] partition = cols == null ? new int[0] : cols;
      boolean partial = cols != null;
      if (plan instanceof Plan.Scan s) {
        BaseTable t = migration != null ? migration.tables.get(s) : table(s.db(), s.table());
        if (t == null) {
          throw new MissingTableException("table " + s.db() + "." + s.table() + " does not exist");
        }
        ScanNode n = new ScanNode(s, t);
        if (n.table() == null) {
          throw new MissingTableException(n.bind(t));
        }
        if (migration != null) {
          n.readAt(migration.snapshot);
          return n;
        }
        t.scans.add(n);
        tables.add(t);
        return n;
      } else if (plan instanceof Plan.Filter f) {
        return new FilterNode(f, build(f.input(), cols));
      } else if (plan instanceof Plan.Project p) {
        int[] m = null;
        if (cols != null) {
          m = new int[cols.length];
          for (int i = 0; i < m.length; i++) {
            m[i] = ProjectNode.source(p, cols[i]);
          }
        }
        return new ProjectNode(p, build(p.input(), m));
      } else if (plan instanceof Plan.Aggregate a) {
        int[] m = cols == null ? null : Arrays.stream(cols).map(a.groupBy()::get).toArray();
        return new AggregateNode(a, build(a.input(), m), partition, partial);
      } else if (plan instanceof Plan.Distinct d) {
        return new DistinctNode(d, build(d.input(), cols), partition, partial);
      } else if (plan instanceof Plan.TopK t) {
        return new TopKNode(t, build(t.input(), cols), partition, partial);
      } else if (plan instanceof Plan.Union u) {
        if (!u.all()) {
          Node all = build(new Plan.Union(u.inputs(), true), cols);
          return new DistinctNode(u, all, partition, partial);
        }
        List<Node> ins = new ArrayList<>();
        for (Plan in : u.inputs()) {
          ins.add(build(in, cols));
        }
        return new UnionNode(u, ins);
      } else if (plan instanceof Plan.Join j) {
        int side = cols == null ? -1 : joinSide(j, cols);
        int[] sc = cols == null ? null : sideColumns(j, side, cols);
        Node left = build(j.left(), side == 0 ? sc : null);
        Node right = build(j.right(), side == 1 ? sc : null);
        return new JoinNode(j, left, right, partition, side, side >= 0 && lazyJoinable(j, side));
      }
      throw new IllegalStateException("unknown plan node " + plan.getClass().getSimpleName());
    }
  }

  /** Joins non-scan operators connected by an edge into components, each in topological order. */
  private void recomputeComponents() {
    Map<Node, Node> parent = new IdentityHashMap<>();
    for (Node n : live) {
      if (!(n instanceof ScanNode)) {
        parent.put(n, n);
      }
    }
    for (Node n : List.copyOf(parent.keySet())) {
      for (Node in : n.inputs) {
        if (parent.containsKey(in)) {
          union(parent, n, in);
        }
      }
    }
    Map<Node, List<Node>> groups = new LinkedHashMap<>();
    for (Node n : parent.keySet()) {
      groups.computeIfAbsent(find(parent, n), r -> new ArrayList<>()).add(n);
    }
    List<List<Node>> out = new ArrayList<>();
    componentOf.clear();
    for (List<Node> g : groups.values()) {
      g.sort(Comparator.comparingInt(n -> n.depth));
      for (Node n : g) {
        componentOf.put(n, out.size());
      }
      out.add(g);
    }
    components = out;
  }

  private static Node find(Map<Node, Node> parent, Node n) {
    while (parent.get(n) != n) {
      parent.put(n, parent.get(parent.get(n)));
      n = parent.get(n);
    }
    return n;
  }

  private static void union(Map<Node, Node> parent, Node a, Node b) {
    parent.put(find(parent, a), find(parent, b));
  }

  // ---- transactions ------------------------------------------------------------------------

  /**
   * Applies one transaction's row changes of {@code db}: writes them to the base-table store in one
   * batch, then propagates them through every operator fed by those tables. Row changes name
   * tables that exist (the caller applied the transaction's schema changes first).
   *
   * @return the components that failed (their views must stop); empty when all went well
   * @throws MissingTableException when a change names a table that does not exist
   */
  public List<Failure> apply(String db, List<RowChange> changes) {
    Map<BaseTable, List<Value[][]>> byTable = new LinkedHashMap<>();
    try (BaseStore.Batch batch = store.batch()) {
      for (RowChange c : changes) {
        BaseTable t = table(db, c.table());
        if (t == null) {
          throw new MissingTableException("a row change names table " + db + "." + c.table() + ", which does not exist");
        }
        Value[] old = c.before().isEmpty() ? null : t.toRow(c.before());
        Value[] now = c.after().isEmpty() ? null : t.toRow(c.after());
        t.write(batch, ValueCodec.encode(List.copyOf(c.key().values())), old, now);
        byTable.computeIfAbsent(t, x -> new ArrayList<>()).add(new Value[][] {old, now});
      }
      batch.commit();
    }
    for (Migration m : migrations) {
      if (m.plan.db().equals(db)) {
        m.enqueue(byTable);
      }
    }
    Map<Integer, Map<Node, List<Delta>[]>> seeds = new HashMap<>();
    for (Map.Entry<BaseTable, List<Value[][]>> e : byTable.entrySet()) {
      for (ScanNode scan : e.getKey().scans) {
        List<Delta> deltas = new ArrayList<>();
        for (Value[][] change : e.getValue()) {
          if (change[0] != null) {
            deltas.add(Delta.delete(scan.project(change[0])));
          }
          if (change[1] != null) {
            deltas.add(Delta.insert(scan.project(change[1])));
          }
        }
        for (Node.Edge edge : scan.outputs) {
          pending(seeds.computeIfAbsent(componentOf.get(edge.to()), c -> new IdentityHashMap<>()), edge)
              .addAll(deltas);
        }
      }
    }
    return run(seeds);
  }

  @SuppressWarnings("unchecked")
  static List<Delta> pending(Map<Node, List<Delta>[]> pending, Node.Edge edge) {
    List<Delta>[] ports = pending.computeIfAbsent(edge.to(), n -> new List[n.inputs.size()]);
    if (ports[edge.port()] == null) {
      ports[edge.port()] = new ArrayList<>();
    }
    return ports[edge.port()];
  }

  /**
   * A component whose operators failed while a transaction was applied (an SQLite runtime error
   * such as an integer overflow in SUM): its state no longer follows the stream.
   */
  public record Failure(List<Node> nodes, RuntimeException error) {}

  private List<Failure> run(Map<Integer, Map<Node, List<Delta>[]>> seeds) {
    List<Failure> failures = new ArrayList<>();
    if (shards == null) {
      seeds.forEach((c, p) -> {
        try {
          propagate(components.get(c), p, null);
        } catch (RuntimeException e) {
          failures.add(new Failure(components.get(c), e));
        }
      });
      return failures;
    }
    Map<Integer, Future<?>> running = new LinkedHashMap<>();
    seeds.forEach((c, p) -> running.put(c, shards.pool().submit(() -> propagate(components.get(c), p, shards))));
    for (Map.Entry<Integer, Future<?>> f : running.entrySet()) {
      try {
        f.getValue().get();
      } catch (ExecutionException e) {
        RuntimeException error = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        failures.add(new Failure(components.get(f.getKey()), error));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while applying a transaction", e);
      }
    }
    return failures;
  }

  /** Runs a component's pending deltas through its operators, in order; sharded when {@code shards}. */
  static void propagate(List<Node> component, Map<Node, List<Delta>[]> pending, Shards shards) {
    for (Node n : component) {
      List<Delta>[] ports = pending.remove(n);
      if (ports == null) {
        continue;
      }
      for (int port = 0; port < ports.length; port++) {
        if (ports[port] == null || ports[port].isEmpty()) {
          continue;
        }
        List<Delta> out = shards == null ? n.process(port, ports[port]) : shards.process(n, port, ports[port]);
        if (!out.isEmpty()) {
          for (Node.Edge e : n.outputs) {
            pending(pending, e).addAll(out);
          }
        }
      }
      n.afterTransaction();
    }
  }

  /** Estimated heap bytes of every live operator's state. */
  public long stateBytes() {
    long b = 0;
    for (Node n : live) {
      b += n.stateBytes();
    }
    return b;
  }

  /** The number of live operators (scans and readers included). */
  public int size() {
    return live.size();
  }
}
