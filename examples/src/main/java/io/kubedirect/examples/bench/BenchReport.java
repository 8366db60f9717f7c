package io.kubedirect.examples.bench;

import io.kubedirect.examples.bench.trace.TraceResult;
import io.kubedirect.examples.report.Charts;
import io.kubedirect.examples.report.HtmlReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The harness's output: the text table, the ratios against the targets, and the report
 * directory ({@code index.html} with charts, {@code results.json}).
 */
public final class BenchReport {

  private BenchReport() {}

  /**
   * The ratios of the targets that {@code runs} allow: p90 Ready of the pods workload
   * (direct against k8s, target 10x at N = 1000, and against plain, 1.5x) and of the functions
   * workload (direct against k8s, 30x at F = 500, and against plain, 10x).
   */
  public static List<BenchResults.Ratio> ratios(List<RunResult> runs) {
    List<BenchResults.Ratio> out = new ArrayList<>();
    for (RunResult r : runs) {
      if (!r.variant().equals("direct") || r.ready() == null) {
        continue;
      }
      for (String base : List.of("k8s", "k8s-tuned", "plain")) {
        Optional<RunResult> b =
            runs.stream()
                .filter(
                    x ->
                        x.workload().equals(r.workload())
                            && x.size() == r.size()
                            && x.variant().equals(base)
                            && x.ready() != null)
                .findFirst();
        if (b.isEmpty() || r.ready().p90() <= 0) {
          continue;
        }
        out.add(
            new BenchResults.Ratio(
                r.workload(),
                r.size(),
                "p90 Ready",
                "direct",
                base,
                b.get().ready().p90() / r.ready().p90(),
                target(r.workload(), r.size(), base)));
      }
    }
    return out;
  }

  static double target(String workload, int size, String baseline) {
    if (workload.equals("pods") && size == 1000) {
      return switch (baseline) {
        case "k8s" -> 10;
        case "plain" -> 1.5;
        default -> 0;
      };
    }
    if (workload.equals("functions") && size == 500) {
      return switch (baseline) {
        case "k8s" -> 30;
        case "plain" -> 10;
        default -> 0;
      };
    }
    return 0;
  }

  /** The result tables and ratios as plain text. */
  public static String render(BenchResults results) {
    StringBuilder sb = new StringBuilder();
    Machine m = results.machineBefore();
    sb.append(
        String.format(
            Locale.ROOT,
            "Machine: %d processors, load average %s (before) / %s (after); %s; Java %s%n",
            m.processors(),
            m.loadAverage(),
            results.machineAfter() == null ? "?" : results.machineAfter().loadAverage(),
            m.os(),
            m.java()));
    BenchResults.Settings s = results.options();
    sb.append(
        String.format(
            Locale.ROOT,
            "Settings: mode %s, pods trigger %s, %d pool nodes, %d sandbox managers, "
                + "start delay 0-%d ms, pods service time %d ms, k8s-tuned qps/burst %.0f/%d, "
                + "warm-up %s%n",
            s.mode(),
            s.trigger(),
            s.nodes(),
            s.sandboxManagers(),
            s.maxStartDelayMs(),
            s.serviceTimeMs(),
            s.tunedQps(),
            s.tunedBurst(),
            s.warmup() == 0 ? "none" : s.warmup() + " pods per Java chain"));
    sb.append("Times in seconds since the trigger (functions: since each function's request).\n");
    Map<String, List<RunResult>> groups = new LinkedHashMap<>();
    for (RunResult r : results.runs()) {
      groups.computeIfAbsent(r.workload() + " " + r.size(), k -> new ArrayList<>()).add(r);
    }
    for (List<RunResult> group : groups.values()) {
      RunResult head = group.get(0);
      sb.append('\n');
      sb.append(
          head.workload().equals("pods")
              ? "pods: one function 0 -> "
                  + head.size()
                  + " pods, trigger "
                  + s.trigger()
                  + ("min-scale".equals(s.trigger())
                      ? " (times since the min-scale patch)\n"
                      : " (times since the first request)\n")
              : "functions: " + head.size() + " functions 0 -> 1 at once\n");
      String header =
          String.format(
              Locale.ROOT,
              "%-10s %-7s %8s | %7s %7s %7s %7s | %7s %7s %7s | %7s | %10s  %s%n",
              "variant",
              "mode",
              "decided",
              "Ready 1st",
              "p50",
              "p90",
              "p100",
              "rout p50",
              "p90",
              "p100",
              head.workload().equals("pods") ? "served" : "answered",
              "writes/pod",
              "end state");
      sb.append(header).append("-".repeat(header.length() - 1)).append('\n');
      for (RunResult r : group) {
        if (r.ready() == null) {
          sb.append(
              String.format(
                  Locale.ROOT, "%-10s %-7s FAILED: %s%n", r.variant(), r.mode(), r.error()));
          continue;
        }
        sb.append(
            String.format(
                Locale.ROOT,
                "%-10s %-7s %8s | %9s %7s %7s %7s | %8s %7s %7s | %7s | %10s  %s%n",
                r.variant(),
                r.mode(),
                r.decisionSeconds() < 0 ? "-" : sec(r.decisionSeconds()),
                sec(r.ready().first()),
                sec(r.ready().p50()),
                sec(r.ready().p90()),
                sec(r.ready().p100()),
                r.routable() == null ? "-" : sec(r.routable().p50()),
                r.routable() == null ? "-" : sec(r.routable().p90()),
                r.routable() == null ? "-" : sec(r.routable().p100()),
                r.served() == null ? "-" : sec(r.served().p100()),
                r.writesPerPod() < 0 ? "-" : String.format(Locale.ROOT, "%.2f", r.writesPerPod()),
                r.ok() ? "exact" : String.join("; ", r.problems())));
      }
      for (RunResult r : group) {
        if (r.routableAfterDecision() >= 0) {
          sb.append(
              String.format(
                  Locale.ROOT,
                  "  %s: all %d routable %.2f s after the autoscaler decided %d "
                      + "(target: within 1 s + start delay %d ms)%n",
                  r.variant(),
                  r.size(),
                  r.routableAfterDecision(),
                  r.size(),
                  s.maxStartDelayMs()));
        }
        if (!r.stages().isEmpty()) {
          StringBuilder line = new StringBuilder("  " + r.variant() + " stages p50/p90:");
          r.stages()
              .forEach(
                  (k, v) ->
                      line.append(
                          String.format(Locale.ROOT, " %s %s/%s", k, sec(v.p50()), sec(v.p90()))));
          sb.append(line).append('\n');
        }
      }
    }
    if (!results.ratios().isEmpty()) {
      sb.append("\nRatios (baseline / direct, same metric):\n");
      for (BenchResults.Ratio r : results.ratios()) {
        sb.append(
            String.format(
                Locale.ROOT,
                "  %s %d: direct %s %.1fx sooner than %s%s%n",
                r.workload(),
                r.size(),
                r.metric(),
                r.ratio(),
                r.baseline(),
                r.target() > 0
                    ? String.format(
                        Locale.ROOT,
                        " (target >= %sx: %s)",
                        fmt(r.target()),
                        r.ratio() >= r.target() ? "met" : "not met")
                    : ""));
      }
    }
    return sb.toString();
  }

  private static String sec(double s) {
    return String.format(Locale.ROOT, "%.2f", s);
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  /**
   * Writes {@code index.html} (title {@code title}, the table, the charts) and {@code results.json}
   * into {@code dir}; returns the HTML file.
   */
  public static Path write(Path dir, String title, BenchResults results) throws IOException {
    return write(dir, title, results, List.of());
  }

  /**
   * As {@link #write(Path, String, BenchResults)}, plus a section for the trace workload: its table
   * and the CDF of per-function delay per variant ({@code traces}: the replays that completed).
   */
  public static Path write(Path dir, String title, BenchResults results, List<TraceResult> traces)
      throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("results.json"), results.toJson());
    HtmlReport html = new HtmlReport(title).preformatted(render(results));
    html.paragraph("Command line: " + String.join(" ", results.commandLine()));
    Map<String, List<RunResult>> groups = new LinkedHashMap<>();
    for (RunResult r : results.runs()) {
      groups.computeIfAbsent(r.workload() + "-" + r.size(), k -> new ArrayList<>()).add(r);
    }
    for (Map.Entry<String, List<RunResult>> g : groups.entrySet()) {
      List<RunResult> runs = g.getValue();
      RunResult head = runs.get(0);
      if (head.workload().equals("pods")) {
        Map<String, List<Double>> series = new LinkedHashMap<>();
        for (RunResult r : runs) {
          if (!r.readySeconds().isEmpty()) {
            series.put(r.variant() + " Ready", r.readySeconds());
          }
          if (!r.routableSeconds().isEmpty()) {
            series.put(r.variant() + " routable", r.routableSeconds());
          }
        }
        if (!series.isEmpty()) {
          Path png =
              Charts.countOverTime(
                  dir.resolve(g.getKey() + ".png"),
                  "0 -> " + head.size() + " pods: Ready (API Server) and routable (activator)",
                  "min-scale".equals(results.options().trigger())
                      ? "seconds since the min-scale patch"
                      : "seconds since the first request",
                  "pods",
                  series);
          html.heading("Pods workload, N = " + head.size())
              .image(png, "pods Ready and routable over time per variant");
        }
      } else if (head.workload().equals("functions")) {
        List<String> categories = new ArrayList<>();
        for (String k : FunctionsWorkload.STAGE_KEYS) {
          if (runs.stream().anyMatch(r -> r.stages().containsKey(k))) {
            categories.add(k);
          }
        }
        Map<String, List<Double>> series = new LinkedHashMap<>();
        for (RunResult r : runs) {
          if (r.stages().isEmpty()) {
            continue;
          }
          List<Double> ys = new ArrayList<>();
          for (String k : categories) {
            TimeStats st = r.stages().get(k);
            ys.add(st == null ? 0.0 : st.p50());
          }
          series.put(r.variant(), ys);
        }
        if (!series.isEmpty() && !categories.isEmpty()) {
          Path png =
              Charts.bars(
                  dir.resolve(g.getKey() + "-stages.png"),
                  head.size()
                      + " functions 0 -> 1: p50 time from the request until each stage handled it",
                  "seconds (0: not reported)",
                  categories,
                  series);
          html.heading("Functions workload, F = " + head.size())
              .image(png, "per-stage breakdown per variant");
        }
      }
    }
    if (!traces.isEmpty()) {
      Path png = TraceResult.cdfChart(dir.resolve("trace-cdf.png"), traces);
      html.heading("Trace workload")
          .preformatted(TraceResult.table(traces))
          .image(png, "CDF of the per-function mean delay per variant");
    }
    return html.write(dir);
  }
}
