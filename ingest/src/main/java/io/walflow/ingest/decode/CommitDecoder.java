package io.walflow.ingest.decode;

import io.walflow.ingest.change.Change;
import io.walflow.ingest.change.ChangeSet;
import io.walflow.ingest.change.RowChange;
import io.walflow.ingest.change.SchemaChange;
import io.walflow.ingest.change.SchemaOp;
import io.walflow.ingest.image.PageImage;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Decodes the row-level and schema changes of SQLite commits from page images: the image before a
 * commit, the image after it and the pages the commit wrote. One decoder per database; call it for
 * consecutive commits in LSN order (the after-image of one call is the before-image of the next).
 *
 * <h2>How</h2>
 * The schema comes from {@code sqlite_schema} of each image, interpreted by SQLite itself; it is
 * reread only when the schema cookie changes. Rows are found through a page→owner map ({@link
 * OwnerMap}): which table b-tree owns each page, in which role, under which parent. The changed
 * pages and their ancestors are marked; only trees with a marked root are looked at, and in each
 * only the changed paths ({@link TreeDelta}), so a commit costs what it touched, not what the
 * database holds. The map is then updated from the pages just walked. Rows are compared by key
 * ({@link TableDiff}).
 *
 * <h2>Rows whose overflow pages changed</h2>
 * SQLite can rewrite a row's overflow pages without touching its b-tree page. The map records, for
 * each overflow page, the page before it in its chain, and for the first one the b-tree page
 * holding the cell; a changed overflow page is climbed back to that b-tree page, which makes its
 * rows candidates even though its bytes did not change. Chains are recorded when a page's rows are
 * decoded (full walks, and the candidate pages of each commit), so the map stays current.
 *
 * <h2>Cost</h2>
 * Common case: O(changed pages × tree depth) to mark, plus the children of the rewritten interior
 * pages on the changed paths, plus the cells of the changed row pages. A single-row commit into a
 * 100,000-row table reads a handful of pages and decodes only the changed row.
 *
 * <h2>When it is not incremental</h2>
 * The map is built by walking every table (O(database)) on the first call, after {@link #reset()},
 * when the before-image is not the after-image of the previous call (page count, page size or
 * schema cookie differ), and after every commit that changed the schema (including VACUUM, which
 * also compares every table whose root page moved, row by row, and reports no changes when the
 * contents are the same).
 *
 * <h2>Errors</h2>
 * Bad bytes raise {@link CorruptPageException} (page, offset, what was expected), a schema SQLite
 * cannot interpret raises {@link SchemaException}; the decoder then forgets its cached state, so
 * the next call starts afresh. The caller adds the database name and LSN.
 *
 * <p>Not thread-safe. Close it to release the in-memory SQLite connection used to interpret DDL.
 */
public final class CommitDecoder implements AutoCloseable {
  private final String dbName;
  private final SchemaInterpreter interpreter = new SchemaInterpreter();
  /** What the decoder knows about the after-image of the last commit it decoded, if any. */
  private State state;

  /** What is cached about one image. */
  private record State(int pageSize, int usable, int pageCount, long cookie,
      TextEncoding encoding, Schema schema, OwnerMap owners) {

    static State of(Side side, Schema schema, OwnerMap owners) {
      DbHeader h = side.header();
      return new State(h.pageSize(), h.usableSize(), side.image().pageCount(), h.schemaCookie(),
          h.encoding(), schema, owners);
    }

    boolean describes(Side side) {
      DbHeader h = side.header();
      return pageSize == h.pageSize() && usable == h.usableSize()
          && pageCount == side.image().pageCount() && cookie == h.schemaCookie()
          && encoding == h.encoding();
    }
  }

  /**
   * @param dbName the database's name, used in log and error messages only
   */
  public CommitDecoder(String dbName) {
    this.dbName = Objects.requireNonNull(dbName, "dbName");
  }

  /** The database name given at construction. */
  public String dbName() {
    return dbName;
  }

  /**
   * The changes of one commit.
   *
   * @param before the image before the commit
   * @param after the image after the commit
   * @param changedPages the pages the commit wrote (pages whose bytes did not change may be
   *     included; every page whose bytes changed must be)
   * @return schema changes, then row changes; empty if the commit changed no row and no schema
   * @throws CorruptPageException if a page of either image is malformed
   * @throws SchemaException if SQLite cannot interpret a table definition
   */
  public ChangeSet decode(PageImage before, PageImage after, BitSet changedPages) {
    Objects.requireNonNull(changedPages, "changedPages");
    try {
      Side b = Side.of(before);
      Side a = Side.of(after);
      State s = state;
      state = null; // the map is updated in place below; only a finished decode makes it valid
      if (s == null || !s.describes(b)) {
        Schema schema = SchemaReader.read(b, interpreter);
        s = State.of(b, schema, FullScan.owners(b, schema));
      }
      BitSet changed = (BitSet) changedPages.clone();
      if (after.pageCount() < before.pageCount()) {
        changed.set(after.pageCount() + 1, before.pageCount() + 1);
      }
      OwnerMap owners = s.owners();
      owners.beginCommit();
      for (int p = changed.nextSetBit(1); p >= 0 && p <= before.pageCount(); p = changed.nextSetBit(p + 1)) {
        owners.markChanged(p);
      }
      boolean sameGeometry = sameGeometry(b.header(), a.header());
      ChangeSet out;
      if (sameGeometry && a.header().schemaCookie() == b.header().schemaCookie()) {
        out = sameSchema(b, a, s.schema(), owners, changed);
        state = State.of(a, s.schema(), owners);
      } else {
        Schema schema = SchemaReader.read(a, interpreter);
        out = schemaChanged(b, a, s.schema(), schema, owners, changed, sameGeometry);
        state = State.of(a, schema, FullScan.owners(a, schema));
      }
      return out;
    } catch (RuntimeException e) {
      state = null;
      throw e;
    }
  }

  /** The common case: only rows changed. Updates {@code owners} to describe the after-image. */
  private static ChangeSet sameSchema(Side b, Side a, Schema schema, OwnerMap owners, BitSet changed) {
    Map<Integer, TreeDelta.Slot> pending = new HashMap<>();
    List<Integer> cleared = new ArrayList<>();
    List<RowChange> rows = new ArrayList<>();
    for (Map.Entry<String, TableDef> e : schema.tables().entrySet()) {
      int root = schema.root(e.getKey());
      if (!owners.dirty(root)) {
        continue;
      }
      TablePlan plan = new TablePlan(e.getKey(), e.getValue(), root, Optional.of(e.getValue()), root,
          TablePlan.Mode.INCREMENTAL, Optional.empty());
      incremental(b, a, plan, owners, changed, pending, cleared, rows);
    }
    for (int p : cleared) {
      owners.clear(p);
    }
    pending.forEach((p, slot) -> owners.set(p, slot.owner(), slot.role(), slot.parent()));
    owners.truncate(b.image().pageCount(), a.image().pageCount());
    return new ChangeSet(List.of(), rows);
  }

  private static ChangeSet schemaChanged(Side b, Side a, Schema before, Schema after,
      OwnerMap owners, BitSet changed, boolean sameGeometry) {
    SchemaDiff.Result diff = SchemaDiff.diff(before, after, sameGeometry);
    Map<Integer, TreeDelta.Slot> pending = new HashMap<>();
    List<Integer> unused = new ArrayList<>();
    List<RowChange> rows = new ArrayList<>();
    for (TablePlan plan : diff.plans()) {
      switch (plan.mode()) {
        case INCREMENTAL -> {
          if (owners.dirty(plan.beforeRoot())) {
            incremental(b, a, plan, owners, changed, pending, unused, rows);
          }
        }
        case FULL -> TableDiff.diff(plan,
            FullScan.rows(b, plan.beforeRoot(), plan.beforeDef().withoutRowid()),
            FullScan.rows(a, plan.afterRoot(), plan.after().withoutRowid()), changed, rows, unused);
        case ALL_INSERTS -> TableDiff.insertAll(plan,
            FullScan.rows(a, plan.afterRoot(), plan.after().withoutRowid()), rows);
      }
    }
    return new ChangeSet(diff.events(), rows);
  }

  private static void incremental(Side b, Side a, TablePlan plan, OwnerMap owners, BitSet changed,
      Map<Integer, TreeDelta.Slot> pending, List<Integer> cleared, List<RowChange> rows) {
    // Untouched cells may be skipped only when an untouched row is no change: same definition.
    boolean sameDefinition = plan.before().map(x -> x == plan.after() || x.equals(plan.after())).orElse(false);
    TreeDelta d = TreeDelta.compute(b, a, changed, owners, plan.beforeRoot(), plan.after().withoutRowid(),
        pending, sameDefinition);
    cleared.addAll(d.cleared());
    TableDiff.diff(plan, d.beforeRows(), d.afterRows(), changed, rows, cleared);
  }

  private static boolean sameGeometry(DbHeader x, DbHeader y) {
    return x.pageSize() == y.pageSize() && x.usableSize() == y.usableSize()
        && x.encoding() == y.encoding();
  }

  /**
   * The full content of an image, for bootstrapping a consumer from a snapshot: CREATE events for
   * every schema object (tables, then indexes, views, triggers, each in sqlite_schema order), then
   * every row of every table as an insert. Also primes the decoder: the next {@link #decode} whose
   * before-image is {@code image} is incremental.
   *
   * @throws CorruptPageException if a page is malformed
   * @throws SchemaException if SQLite cannot interpret a table definition
   */
  public ChangeSet decodeSnapshot(PageImage image) {
    List<SchemaChange> schema = new ArrayList<>();
    List<RowChange> rows = new ArrayList<>();
    decodeSnapshot(image, c -> {
      if (c instanceof SchemaChange s) {
        schema.add(s);
      } else {
        rows.add((RowChange) c);
      }
    });
    return new ChangeSet(schema, rows);
  }

  /**
   * Like {@link #decodeSnapshot(PageImage)}, but hands each change to {@code sink} as soon as its
   * table is decoded, so that a large database need not fit in memory at once (one table's rows
   * are held at a time).
   */
  public void decodeSnapshot(PageImage image, Consumer<? super Change> sink) {
    state = null;
    try {
      Side side = Side.of(image);
      Schema schema = SchemaReader.read(side, interpreter);
      for (String type : List.of("table", "index", "view", "trigger")) {
        for (SchemaObject o : schema.objects) {
          if (!o.type().equals(type) || o.sql().isEmpty()) {
            continue;
          }
          TableDef def = schema.tables().get(o.name());
          sink.accept(new SchemaChange(o.name(), createOp(type), o.sql(),
              def == null ? List.of() : def.columns().stream().map(ColumnDef::toColumn).toList(),
              Optional.empty()));
        }
      }
      for (Map.Entry<String, TableDef> e : schema.tables().entrySet()) {
        int root = schema.root(e.getKey());
        TablePlan plan = new TablePlan(e.getKey(), e.getValue(), root, Optional.empty(), 0,
            TablePlan.Mode.ALL_INSERTS, Optional.empty());
        List<RowChange> rows = new ArrayList<>();
        TableDiff.insertAll(plan, FullScan.rows(side, root, e.getValue().withoutRowid()), rows);
        rows.forEach(sink);
      }
      state = State.of(side, schema, FullScan.owners(side, schema));
    } catch (RuntimeException e) {
      state = null;
      throw e;
    }
  }

  private static SchemaOp createOp(String type) {
    return switch (type) {
      case "index" -> SchemaOp.CREATE_INDEX;
      case "view" -> SchemaOp.CREATE_VIEW;
      case "trigger" -> SchemaOp.CREATE_TRIGGER;
      default -> SchemaOp.CREATE_TABLE;
    };
  }

  /**
   * Forgets the cached schema and ownership map (for example after a resnapshot). The next call
   * rebuilds them from its before-image. Interpreted table definitions stay cached: they depend
   * only on SQL text.
   */
  public void reset() {
    state = null;
  }

  /** Releases the in-memory SQLite connection. The decoder must not be used afterwards. */
  @Override
  public void close() {
    state = null;
    interpreter.close();
  }
}
