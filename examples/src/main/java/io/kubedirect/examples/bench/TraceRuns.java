package io.kubedirect.examples.bench;

import io.kubedirect.examples.bench.trace.Trace;
import io.kubedirect.examples.bench.trace.TraceGenerator;
import io.kubedirect.examples.bench.trace.TraceResult;
import io.kubedirect.examples.bench.trace.TraceSpec;
import io.kubedirect.examples.bench.trace.TraceWorkload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The harness's trace workload: replays one generated trace ({@link BenchOptions#tracePreset},
 * {@link BenchOptions#traceSeed}) through the activator of each variant, each on a fresh control
 * plane, and keeps every variant's {@link TraceResult} for the report.
 */
final class TraceRuns {

  private static final Logger log = LoggerFactory.getLogger(TraceRuns.class);

  /** What the runs produced: one summary per variant, and the results that completed. */
  record Outcome(List<BenchResults.TraceRun> runs, List<TraceResult> results) {}

  private TraceRuns() {}

  /** Runs the trace of {@code o} on each of its variants (progress on stderr if {@code live}). */
  static Outcome run(BenchOptions o, boolean live) {
    TraceSpec spec = TraceSpec.preset(o.tracePreset(), o.traceSeed());
    Trace trace = TraceGenerator.generate(spec);
    List<BenchResults.TraceRun> runs = new ArrayList<>();
    List<TraceResult> results = new ArrayList<>();
    for (BenchVariant v : o.variants()) {
      String mode = BenchChain.modeOf(v, o);
      String what =
          "trace "
              + spec.name()
              + " ("
              + trace.functions().size()
              + " functions, "
              + trace.invocations().size()
              + " requests over "
              + spec.minutes()
              + " min) on "
              + v.description()
              + " ("
              + mode
              + ")";
      if (live) {
        System.err.println(what + ": starting a fresh control plane");
      }
      log.info("=== {}", what);
      try {
        Path work = Files.createTempDirectory("kubedirect-bench-");
        try (BenchChain chain = BenchChain.prepare(v, o, work)) {
          chain.start();
          TraceResult r =
              new TraceWorkload(trace)
                  .run(
                      new TraceWorkload.Target(
                          v.flag(), chain.api(), BenchChain.NAMESPACE, chain.activator()));
          r.writeJson(o.reportDir().resolve("trace"));
          results.add(r);
          runs.add(
              new BenchResults.TraceRun(
                  v.flag(), mode, spec.name(), spec.seed(), r.summary(), null));
          log.info("=== {} done: {}", what, r.summary());
        }
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        log.error("{} failed", what, e);
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        String first = msg.lines().findFirst().orElse(msg);
        if (live) {
          System.err.println(what + " failed: " + first);
        }
        runs.add(new BenchResults.TraceRun(v.flag(), mode, spec.name(), spec.seed(), null, first));
      }
    }
    return new Outcome(runs, results);
  }

  /**
   * The trace ratios: each baseline's p99 (and p50) per-function delay over direct's; the target
   * (25x, the paper's 26.7x against Knative) applies to the p99 against {@code k8s}.
   */
  static List<BenchResults.Ratio> ratios(List<BenchResults.TraceRun> runs) {
    List<BenchResults.Ratio> out = new ArrayList<>();
    BenchResults.TraceRun direct =
        runs.stream()
            .filter(r -> r.variant().equals("direct") && r.summary() != null)
            .findFirst()
            .orElse(null);
    if (direct == null) {
      return out;
    }
    for (String base : List.of("k8s", "k8s-tuned", "plain")) {
      runs.stream()
          .filter(r -> r.variant().equals(base) && r.summary() != null)
          .findFirst()
          .ifPresent(
              b -> {
                out.add(
                    ratio(
                        "p99 function delay",
                        b,
                        b.summary().p99FunctionDelayMs(),
                        direct.summary().p99FunctionDelayMs(),
                        direct,
                        base.equals("k8s") ? 25 : 0));
                out.add(
                    ratio(
                        "p50 function delay",
                        b,
                        b.summary().p50FunctionDelayMs(),
                        direct.summary().p50FunctionDelayMs(),
                        direct,
                        0));
              });
    }
    return out;
  }

  private static BenchResults.Ratio ratio(
      String metric,
      BenchResults.TraceRun base,
      double baseMs,
      double directMs,
      BenchResults.TraceRun direct,
      double target) {
    return new BenchResults.Ratio(
        "trace",
        direct.summary().functions(),
        metric,
        "direct",
        base.variant(),
        directMs > 0 ? baseMs / directMs : Double.NaN,
        target);
  }
}
