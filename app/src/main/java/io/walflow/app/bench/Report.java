package io.walflow.app.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The results of one {@code walflow bench} run: the machine, the settings, one {@link Row} per
 * comparison and free-form notes; printed as a table or written as JSON.
 */
public final class Report {
  private static final String[] HEADERS = {"benchmark", "walflow", "baseline", "ratio", "goal"};

  private final Instant startedAt;
  private final Machine machine;
  private final BenchSettings settings;
  private final List<Row> rows = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  public Report(Instant startedAt, Machine machine, BenchSettings settings) {
    this.startedAt = startedAt;
    this.machine = machine;
    this.settings = settings;
  }

  public void add(List<Row> more) {
    rows.addAll(more);
  }

  public void note(String note) {
    notes.add(note);
  }

  public List<Row> rows() {
    return List.copyOf(rows);
  }

  /** Prints the table: benchmark | walflow figure | baseline figure | ratio | goal, then the notes. */
  public void printTable(PrintWriter out) {
    List<String[]> cells = new ArrayList<>();
    cells.add(HEADERS);
    for (Row r : rows) {
      String baseline = r.baseline().isPresent() ? number(r.baseline().getAsDouble()) + " " + r.unit() : "-";
      String ratio = r.ratio().isPresent() ? String.format(Locale.ROOT, "%.2f", r.ratio().getAsDouble()) : "-";
      String goal = r.goal().text() + r.goalMet().map(m -> m ? " (met)" : " (MISSED)").orElse("")
          + (r.problem().isPresent() ? " [PROBLEM, see notes]" : "");
      cells.add(new String[] {r.suite() + ": " + r.benchmark(), number(r.walflow()) + " " + r.unit(), baseline, ratio,
          goal});
    }
    int[] width = new int[HEADERS.length];
    for (String[] row : cells) {
      for (int i = 0; i < row.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    out.println("walflow bench, " + startedAt + ", " + settings.summary());
    out.println("machine: " + machine.summary());
    out.println();
    for (int r = 0; r < cells.size(); r++) {
      StringBuilder line = new StringBuilder("| ");
      for (int i = 0; i < HEADERS.length; i++) {
        String c = cells.get(r)[i];
        boolean right = i > 0 && i < 4;
        line.append(right ? " ".repeat(width[i] - c.length()) + c : c + " ".repeat(width[i] - c.length()));
        line.append(" | ");
      }
      out.println(line.toString().stripTrailing());
      if (r == 0) {
        StringBuilder sep = new StringBuilder("|");
        for (int i = 0; i < HEADERS.length; i++) {
          sep.append(i > 0 && i < 4 ? "-".repeat(width[i] + 1) + ":|" : "-".repeat(width[i] + 2) + "|");
        }
        out.println(sep);
      }
    }
    if (!notes.isEmpty()) {
      out.println();
      notes.forEach(n -> out.println("- " + n));
    }
    out.flush();
  }

  /** Writes the same content as JSON. */
  public void writeJson(Path file) throws IOException {
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = json.createObjectNode();
    root.put("startedAt", startedAt.toString());
    ObjectNode s = root.putObject("settings");
    s.put("suites", String.join(",", settings.suites()));
    s.put("secondsPerRun", settings.seconds());
    s.put("repeats", settings.repeats());
    s.put("latencyRatePerSecond", settings.latencyRate());
    s.put("fsync", settings.fsync());
    root.set("machine", json.valueToTree(machine));
    ArrayNode out = root.putArray("rows");
    for (Row r : rows) {
      ObjectNode n = out.addObject();
      n.put("suite", r.suite());
      n.put("benchmark", r.benchmark());
      n.put("unit", r.unit());
      if (Double.isNaN(r.walflow())) {
        n.putNull("walflow");
      } else {
        n.put("walflow", r.walflow());
      }
      if (r.baseline().isPresent()) {
        n.put("baseline", r.baseline().getAsDouble());
      } else {
        n.putNull("baseline");
      }
      if (r.ratio().isPresent()) {
        n.put("ratio", r.ratio().getAsDouble());
      } else {
        n.putNull("ratio");
      }
      n.put("goal", r.goal().text());
      r.goalMet().ifPresentOrElse(m -> n.put("goalMet", m), () -> n.putNull("goalMet"));
      addAll(n.putArray("walflowRuns"), r.walflowRuns());
      addAll(n.putArray("baselineRuns"), r.baselineRuns());
      n.put("detail", r.detail());
      r.problem().ifPresentOrElse(p -> n.put("problem", p), () -> n.putNull("problem"));
    }
    ArrayNode ns = root.putArray("notes");
    notes.forEach(ns::add);
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    json.writeValue(file.toFile(), root);
  }

  private static void addAll(ArrayNode to, List<Double> values) {
    for (double v : values) {
      if (Double.isNaN(v)) {
        to.addNull();
      } else {
        to.add(v);
      }
    }
  }

  /** A figure with a sensible number of digits: 52,341 / 412.5 / 0.734. */
  static String number(double v) {
    if (Double.isNaN(v)) {
      return "n/a";
    }
    double a = Math.abs(v);
    if (a >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    if (a < 1000 && v == Math.rint(v)) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    if (a >= 100) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    if (a >= 1 || a == 0) {
      return String.format(Locale.ROOT, "%.2f", v);
    }
    return String.format(Locale.ROOT, "%.3f", v);
  }
}
