package io.walflow.ingest.decode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AddLifecycleHook;

/**
 * The decoder's oracle property: over random databases and workloads, after every commit, applying
 * the decoded changes to a model gives exactly SQLite's {@code SELECT *} of every table — and a
 * fresh decoder given the same two images decodes the same changes as the long-lived one.
 *
 * <p>Default: {@value #DEFAULT_TRIES} workloads (about a minute on 2 cores). Longer run:
 * {@code mvn -pl ingest test -Dtest=DecodePropertyTest -Dwalflow.decode.tries=2000}. A failure
 * reports jqwik's seed and the workload's own {@code seed} parameter; rerun with
 * {@code @Property(seed = "…")} or by calling {@link #replay} with the printed values.
 */
class DecodePropertyTest {
  static final int DEFAULT_TRIES = 250;

  /** One database layout. */
  record Layout(int pageSize, String encoding, String autoVacuum, int reservedBytes) {}

  @Property(tries = DEFAULT_TRIES, shrinking = ShrinkingMode.OFF)
  @AddLifecycleHook(TriesFromSystemProperty.class)
  void decodedChangesReproduceSqlite(@ForAll("layouts") Layout layout, @ForAll long seed) throws Exception {
    replay(layout, seed);
  }

  /** Runs one workload; call it directly to replay a reported failure. */
  static void replay(Layout layout, long seed) throws Exception {
    Path dir = Files.createTempDirectory("walflow-decode");
    try (Harness h = new Harness(new TestDb(dir, layout.pageSize(), layout.encoding(), layout.autoVacuum(),
        layout.reservedBytes()))) {
      h.crossCheckFresh = Math.floorMod(seed, 3) == 0;
      new Workload(seed, h, layout.pageSize()).run(layout.pageSize() == 65536 ? 6 : 10);
    } catch (AssertionError | RuntimeException e) {
      throw new AssertionError("workload failed: " + layout + " seed=" + seed + ": " + e.getMessage(), e);
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @net.jqwik.api.lifecycle.AfterContainer
  static void printStats() {
    System.out.println("decode property workload statistics:");
    Workload.STATS.forEach((k, v) -> System.out.printf("  %-45s %d%n", k, v.sum()));
  }

  @Provide
  Arbitrary<Layout> layouts() {
    return Combinators.combine(
            Arbitraries.frequency(
                net.jqwik.api.Tuple.of(3, 512), net.jqwik.api.Tuple.of(5, 4096), net.jqwik.api.Tuple.of(1, 65536)),
            Arbitraries.of("UTF-8", "UTF-16le", "UTF-16be"),
            Arbitraries.of("NONE", "FULL", "INCREMENTAL"),
            Arbitraries.of(0, 0, 4, 32))
        .as(Layout::new);
  }
}
