package io.kubedirect.examples.bench.trace;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.kubedirect.examples.report.Charts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one replay of a trace measured, and its statistics.
 *
 * <p>Definitions (requests due in the warm-up minutes are left out of every statistic):
 *
 * <ul>
 *   <li><b>delay</b> of an answered request: response time (answer received minus request sent)
 *       minus the function's execution time, i.e. the time the platform added: queueing in the
 *       activator, waiting for a sandbox to scale up (control plane + sandbox start), proxying;
 *   <li><b>per-function delay</b>: the mean delay of the function's answered requests; the headline
 *       figures are the p50 and p99 of that mean across functions (nearest rank), as in the
 *       KubeDirect paper;
 *   <li><b>cold start</b>: an answered request that found its function without a ready sandbox when
 *       it reached the activator (the activator marks the answer with {@code
 *       X-Kubedirect-Cold-Start});
 *   <li><b>failed</b>: a non-2xx answer, a wrong body, a timeout or a connection error.
 * </ul>
 *
 * @param variant the chain variant that ran
 * @param spec the trace's spec
 * @param startedAt when the replay started (ISO-8601)
 * @param requests one entry per invocation of the trace, in trace order
 * @param notes what went wrong around the replay (e.g. clean-up), empty if nothing
 */
public record TraceResult(
    String variant, TraceSpec spec, String startedAt, List<Request> requests, List<String> notes) {

  /**
   * One request of the replay. Times are milliseconds after the trace's time zero.
   *
   * @param function the function
   * @param scheduledMs when it was due
   * @param sentMs when it was sent (-1: never)
   * @param answeredMs when its answer (or failure) arrived (-1: never)
   * @param status the HTTP status (-1: none, see {@code problem})
   * @param executionMs the function's execution time
   * @param coldStart the activator marked it as a cold start
   * @param pod the pod whose sandbox answered, if any
   * @param problem why it failed (null if it did not)
   */
  public record Request(
      String function,
      long scheduledMs,
      double sentMs,
      double answeredMs,
      int status,
      int executionMs,
      boolean coldStart,
      String pod,
      String problem) {

    /** Answered 2xx with its own body. */
    public boolean ok() {
      return status / 100 == 2 && problem == null;
    }

    /** Answer time minus send time. */
    public double responseMs() {
      return answeredMs - sentMs;
    }

    /** Response time minus execution time (meaningful for answered requests only). */
    public double delayMs() {
      return responseMs() - executionMs;
    }

    /** How late it was sent against its schedule. */
    public double sendLagMs() {
      return sentMs - scheduledMs;
    }
  }

  /**
   * One function's figures (over the measured requests).
   *
   * @param function the function
   * @param requests measured requests
   * @param answered answered 2xx
   * @param failed failed
   * @param coldStarts cold starts among the answered
   * @param meanDelayMs mean delay of the answered (null if none was answered)
   * @param maxDelayMs largest delay of the answered (null if none)
   */
  public record FunctionStats(
      String function,
      int requests,
      int answered,
      int failed,
      int coldStarts,
      Double meanDelayMs,
      Double maxDelayMs) {}

  /**
   * The run's figures (over the measured requests).
   *
   * @param sent requests sent (all of the trace's, warm-up included)
   * @param measured requests due after the warm-up
   * @param answered measured requests answered 2xx
   * @param failed measured requests that failed
   * @param coldStarts measured cold starts
   * @param functions functions with at least one answered measured request
   * @param p50FunctionDelayMs p50 across functions of the per-function mean delay
   * @param p99FunctionDelayMs p99 across functions of the per-function mean delay
   * @param p50RequestDelayMs p50 across answered requests of the delay
   * @param p99RequestDelayMs p99 across answered requests of the delay
   * @param maxSendLagMs the latest a request left against its schedule (the load generator's
   *     health: should be a few ms)
   */
  public record Summary(
      int sent,
      int measured,
      int answered,
      int failed,
      int coldStarts,
      int functions,
      double p50FunctionDelayMs,
      double p99FunctionDelayMs,
      double p50RequestDelayMs,
      double p99RequestDelayMs,
      double maxSendLagMs) {}

  /** Copies the lists. */
  public TraceResult {
    requests = List.copyOf(requests);
    notes = List.copyOf(notes);
  }

  /** The requests due after the warm-up. */
  public List<Request> measured() {
    long warmup = spec.warmupMinutes() * 60_000L;
    return requests.stream().filter(r -> r.scheduledMs() >= warmup).toList();
  }

  /** Per-function figures, sorted by function name. */
  public List<FunctionStats> functionStats() {
    Map<String, List<Request>> by = new TreeMap<>();
    for (Request r : measured()) {
      by.computeIfAbsent(r.function(), k -> new ArrayList<>()).add(r);
    }
    List<FunctionStats> out = new ArrayList<>();
    by.forEach(
        (fn, rs) -> {
          List<Request> ok = rs.stream().filter(Request::ok).toList();
          Double mean =
              ok.isEmpty() ? null : ok.stream().mapToDouble(Request::delayMs).average().orElse(0);
          Double max =
              ok.isEmpty() ? null : ok.stream().mapToDouble(Request::delayMs).max().orElse(0);
          int cold = (int) ok.stream().filter(Request::coldStart).count();
          out.add(
              new FunctionStats(fn, rs.size(), ok.size(), rs.size() - ok.size(), cold, mean, max));
        });
    return out;
  }

  /** The per-function mean delays (functions with an answered request), in ms. */
  public List<Double> functionDelaysMs() {
    return functionStats().stream().map(FunctionStats::meanDelayMs).filter(d -> d != null).toList();
  }

  /** The run's figures. */
  public Summary summary() {
    List<Request> m = measured();
    List<Double> perFunction = functionDelaysMs();
    List<Double> perRequest = m.stream().filter(Request::ok).map(Request::delayMs).toList();
    int answered = perRequest.size();
    double lag =
        requests.stream()
            .filter(r -> r.sentMs() >= 0)
            .mapToDouble(Request::sendLagMs)
            .max()
            .orElse(0);
    return new Summary(
        (int) requests.stream().filter(r -> r.sentMs() >= 0).count(),
        m.size(),
        answered,
        m.size() - answered,
        (int) m.stream().filter(r -> r.ok() && r.coldStart()).count(),
        perFunction.size(),
        percentile(perFunction, 50),
        percentile(perFunction, 99),
        percentile(perRequest, 50),
        percentile(perRequest, 99),
        lag);
  }

  /**
   * The nearest-rank {@code p}th percentile of {@code values} (NaN if empty): the smallest value
   * such that at least p% of the values are at most it.
   *
   * @throws IllegalArgumentException if {@code p} is not in (0, 100]
   */
  public static double percentile(List<Double> values, double p) {
    if (!(p > 0 && p <= 100)) {
      throw new IllegalArgumentException("percentile must be in (0, 100], got " + p);
    }
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int rank = (int) Math.ceil(p / 100 * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }

  private static final Gson GSON =
      new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

  /** The result as JSON: variant, spec, summary, per-function figures, notes and every request. */
  public String toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("variant", variant);
    m.put("startedAt", startedAt);
    m.put("spec", spec);
    m.put("summary", summary());
    m.put("functions", functionStats());
    m.put("notes", notes);
    m.put("requests", requests);
    return GSON.toJson(m);
  }

  /** Reads {@link #toJson()}'s output back. */
  public static TraceResult fromJson(String json) {
    Json j = GSON.fromJson(json, Json.class);
    if (j == null || j.variant == null || j.spec == null || j.requests == null) {
      throw new IllegalArgumentException("not a trace result (variant, spec or requests missing)");
    }
    return new TraceResult(
        j.variant, j.spec, j.startedAt, j.requests, j.notes == null ? List.of() : j.notes);
  }

  private static final class Json {
    String variant;
    String startedAt;
    TraceSpec spec;
    List<Request> requests;
    List<String> notes;
  }

  /** Writes {@link #toJson()} to {@code dir/trace-<variant>.json} and returns the path. */
  public Path writeJson(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve("trace-" + variant + ".json");
    Files.writeString(file, toJson(), StandardCharsets.UTF_8);
    return file;
  }

  /** A PNG with the CDF of the per-function mean delay, one line per result's variant. */
  public static Path cdfChart(Path png, List<TraceResult> results) throws IOException {
    Map<String, List<Double>> series = new LinkedHashMap<>();
    String name = results.isEmpty() ? "" : results.get(0).spec().name();
    for (TraceResult r : results) {
      series.put(r.variant(), r.functionDelaysMs().stream().map(ms -> ms / 1000).toList());
    }
    return Charts.cdf(
        png,
        "Per-function mean delay, trace " + name,
        "delay per function (s): response time minus execution time",
        series);
  }

  /**
   * A text table of the results, one row per variant, and below it for each pair of variants the
   * ratios of their p50 and p99 per-function delays, the variant with the higher p99 over the other
   * (how many times lower the other's delay is).
   */
  public static String table(List<TraceResult> results) {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "%-10s %6s %6s %7s %6s %6s %5s %11s %11s %11s %11s %8s%n",
            "variant",
            "sent",
            "meas.",
            "answer.",
            "failed",
            "cold",
            "fns",
            "fn-p50 ms",
            "fn-p99 ms",
            "req-p50 ms",
            "req-p99 ms",
            "lag ms"));
    for (TraceResult r : results) {
      Summary s = r.summary();
      b.append(
          String.format(
              Locale.ROOT,
              "%-10s %6d %6d %7d %6d %6d %5d %11.1f %11.1f %11.1f %11.1f %8.1f%n",
              r.variant(),
              s.sent(),
              s.measured(),
              s.answered(),
              s.failed(),
              s.coldStarts(),
              s.functions(),
              s.p50FunctionDelayMs(),
              s.p99FunctionDelayMs(),
              s.p50RequestDelayMs(),
              s.p99RequestDelayMs(),
              s.maxSendLagMs()));
    }
    for (int i = 0; i < results.size(); i++) {
      for (int k = i + 1; k < results.size(); k++) {
        TraceResult slow = results.get(i);
        TraceResult fast = results.get(k);
        if (fast.summary().p99FunctionDelayMs() > slow.summary().p99FunctionDelayMs()) {
          slow = results.get(k);
          fast = results.get(i);
        }
        b.append(
            String.format(
                Locale.ROOT,
                "per-function delay %s / %s: p50 %.1fx, p99 %.1fx%n",
                slow.variant(),
                fast.variant(),
                slow.summary().p50FunctionDelayMs() / fast.summary().p50FunctionDelayMs(),
                slow.summary().p99FunctionDelayMs() / fast.summary().p99FunctionDelayMs()));
      }
    }
    return b.toString();
  }
}
