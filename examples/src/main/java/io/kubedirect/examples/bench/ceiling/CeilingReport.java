package io.kubedirect.examples.bench.ceiling;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The table {@link WriteCeiling} prints and the JSON result it writes. */
public final class CeilingReport {

  private CeilingReport() {}

  /** The successful combination with the most writes per second, if any. */
  public static Optional<CeilingResult> best(List<CeilingResult> results) {
    return results.stream()
        .filter(CeilingResult::ok)
        .max(Comparator.comparingDouble(CeilingResult::writesPerSecond));
  }

  /** A fixed-width table, one row per combination. */
  public static String table(List<CeilingResult> results) {
    StringBuilder sb = new StringBuilder();
    String header =
        String.format(
            Locale.ROOT,
            "%-9s %-6s %7s %6s %8s %9s %15s %15s %11s%n",
            "content",
            "status",
            "writers",
            "pods",
            "seconds",
            "writes/s",
            "create p50/p99",
            "status p50/p99",
            "load");
    sb.append(header).append("-".repeat(header.length() - 1)).append('\n');
    for (CeilingResult r : results) {
      if (!r.ok()) {
        sb.append(
            String.format(
                Locale.ROOT,
                "%-9s %-6s %7d FAILED: %s%n",
                r.contentType().flag(),
                r.statusWrite().flag(),
                r.concurrency(),
                r.error()));
        continue;
      }
      sb.append(
          String.format(
              Locale.ROOT,
              "%-9s %-6s %7d %6d %8.2f %9.1f %15s %15s %11s%n",
              r.contentType().flag(),
              r.statusWrite().flag(),
              r.concurrency(),
              r.pods(),
              r.elapsedNanos() / 1e9,
              r.writesPerSecond(),
              ms(r.createMillis()),
              ms(r.statusMillis()),
              load(r.loadBefore()) + "/" + load(r.loadAfter())));
    }
    best(results)
        .ifPresent(
            b ->
                sb.append(
                    String.format(
                        Locale.ROOT,
                        "best: %.1f writes/s (%s, status %s, %d writers)%n",
                        b.writesPerSecond(),
                        b.contentType().flag(),
                        b.statusWrite().flag(),
                        b.concurrency())));
    return sb.toString();
  }

  /** The JSON result: the options, every combination and the best one. */
  public static String json(CeilingOptions o, List<CeilingResult> results, String startedAt) {
    JsonObject root = new JsonObject();
    root.addProperty("benchmark", "write-ceiling");
    root.addProperty("startedAt", startedAt);
    root.addProperty("podsPerCombination", o.pods());
    root.addProperty("writesPerPod", CeilingResult.WRITES_PER_POD);
    root.addProperty("watchers", o.watchers());
    root.addProperty("cores", Runtime.getRuntime().availableProcessors());
    JsonArray rows = new JsonArray();
    for (CeilingResult r : results) {
      rows.add(row(r));
    }
    root.add("results", rows);
    best(results).ifPresent(b -> root.add("best", row(b)));
    return new GsonBuilder().setPrettyPrinting().create().toJson(root) + "\n";
  }

  private static JsonObject row(CeilingResult r) {
    JsonObject j = new JsonObject();
    j.addProperty("contentType", r.contentType().flag());
    j.addProperty("statusWrite", r.statusWrite().flag());
    j.addProperty("concurrency", r.concurrency());
    j.addProperty("pods", r.pods());
    j.addProperty("writes", r.writes());
    j.addProperty("seconds", round(r.elapsedNanos() / 1e9));
    j.addProperty("writesPerSecond", round(r.writesPerSecond()));
    j.addProperty("createP50Ms", round(r.createMillis()[0]));
    j.addProperty("createP99Ms", round(r.createMillis()[1]));
    j.addProperty("statusP50Ms", round(r.statusMillis()[0]));
    j.addProperty("statusP99Ms", round(r.statusMillis()[1]));
    j.addProperty("loadBefore", r.loadBefore());
    j.addProperty("loadAfter", r.loadAfter());
    if (r.error() != null) {
      j.addProperty("error", r.error());
    }
    return j;
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  private static String ms(double[] p) {
    return String.format(Locale.ROOT, "%.1f/%.1f ms", p[0], p[1]);
  }

  private static String load(double l) {
    return l < 0 ? "?" : String.format(Locale.ROOT, "%.1f", l);
  }

  /** The 1-minute load average in the text of {@code /proc/loadavg}, or -1. */
  public static double loadAverage(String procLoadavg) {
    if (procLoadavg == null || procLoadavg.isBlank()) {
      return -1;
    }
    try {
      return Double.parseDouble(procLoadavg.trim().split("\\s+")[0]);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
