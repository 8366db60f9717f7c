package io.kubedirect.it.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Turns {@code results.tsv} (one line per run, appended across Maven invocations) into the markdown
 * table of docs/reliability.md: one row per scenario, the counters of each run separated by "/",
 * convergence p50/max over the runs that converged. {@code main(path)} prints it for a given file.
 */
final class MatrixSummary {

  private MatrixSummary() {}

  /** The table for every run recorded in {@code tsv}. */
  static String markdownOf(Path tsv) throws IOException {
    return markdown(Files.readAllLines(tsv));
  }

  static String markdown(List<String> tsvLines) {
    Map<String, List<String[]>> byRow = new LinkedHashMap<>();
    for (String line : tsvLines) {
      if (line.isBlank() || line.startsWith("scenario\t")) {
        continue;
      }
      String[] f = line.split("\t", -1);
      byRow.computeIfAbsent(f[0], k -> new ArrayList<>()).add(f);
    }
    StringBuilder sb = new StringBuilder();
    sb.append(
        "| fault x point x workload | runs | pass | lost | excess | dup | orphaned | resurrected | dup IPs "
            + "| convergence p50 / max | failures (first failing run) |\n");
    sb.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Map.Entry<String, List<String[]>> e : byRow.entrySet()) {
      List<String[]> runs = e.getValue();
      long passed = runs.stream().filter(f -> "pass".equals(f[13])).count();
      List<Long> conv =
          runs.stream().map(f -> Long.parseLong(f[11])).filter(c -> c >= 0).sorted().toList();
      String convergence =
          conv.isEmpty()
              ? "-"
              : secs(conv.get((conv.size() - 1) / 2)) + " / " + secs(conv.get(conv.size() - 1));
      if (conv.size() < runs.size()) {
        convergence += " (" + (runs.size() - conv.size()) + " no)";
      }
      String failure =
          runs.stream()
              .filter(f -> !"pass".equals(f[13]))
              .findFirst()
              .map(f -> f[14].length() > 400 ? f[14].substring(0, 400) + " …" : f[14])
              .map(t -> t.replace("|", "\\|"))
              .orElse("");
      sb.append("| ")
          .append(e.getKey())
          .append(" | ")
          .append(runs.size())
          .append(" | ")
          .append(passed)
          .append("/")
          .append(runs.size())
          .append(" | ")
          .append(col(runs, 4))
          .append(" | ")
          .append(col(runs, 5))
          .append(" | ")
          .append(col(runs, 6))
          .append(" | ")
          .append(orphans(runs))
          .append(" | ")
          .append(col(runs, 9))
          .append(" | ")
          .append(col(runs, 10))
          .append(" | ")
          .append(convergence)
          .append(" | ")
          .append(failure)
          .append(" |\n");
    }
    return sb.toString();
  }

  private static String col(List<String[]> runs, int i) {
    return runs.stream().map(f -> f[i]).collect(Collectors.joining("/"));
  }

  private static String orphans(List<String[]> runs) {
    String left = col(runs, 7);
    boolean anyBorn = runs.stream().anyMatch(f -> !"0".equals(f[8]));
    return anyBorn ? left + " (born after delete: " + col(runs, 8) + ")" : left;
  }

  private static String secs(long millis) {
    return String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
  }

  public static void main(String[] args) throws IOException {
    System.out.print(
        markdownOf(Path.of(args.length > 0 ? args[0] : "target/fault-matrix/results.tsv")));
  }
}
