package io.kubedirect.examples.bench;

import io.kubedirect.examples.bench.trace.TraceResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The benchmark harness (issue #12): runs the workloads ({@code pods}, {@code functions} at each
 * size, then {@code trace}, see {@link TraceRuns}) on each variant, each variant on a fresh control
 * plane, prints the tables and the ratios against the targets, and writes the HTML report and
 * {@code results.json}. Exit code 0 only if every run completed with exactly the right end state.
 *
 * <pre>
 * java ... io.kubedirect.examples.bench.BenchMain --workload pods --pods 100 --variants plain,direct
 * </pre>
 */
public final class BenchMain {

  private static final Logger log = LoggerFactory.getLogger(BenchMain.class);

  private BenchMain() {}

  /** Runs the harness; see {@link BenchOptions#USAGE}. */
  public static void main(String[] args) {
    if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
      System.out.println(BenchOptions.USAGE);
      return;
    }
    BenchOptions options;
    try {
      options = BenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(BenchOptions.USAGE);
      System.exit(2);
      return;
    }
    BenchResults results = run(options, "kubedirect benchmark", true);
    System.exit(results.runs().stream().allMatch(RunResult::ok) ? 0 : 1);
  }

  /**
   * Runs {@code options} (progress on the terminal if {@code live}), prints the table and the
   * report's path, and returns the results.
   */
  public static BenchResults run(BenchOptions options, String title, boolean live) {
    Machine before = Machine.now();
    warmUp(options, live);
    List<RunResult> runs = new ArrayList<>();
    for (Workload w : workloads(options)) {
      for (BenchVariant v : options.variants()) {
        runs.add(runOne(w, v, options, live));
      }
    }
    TraceRuns.Outcome traces =
        options.workloads().contains("trace")
            ? TraceRuns.run(options, live)
            : new TraceRuns.Outcome(List.of(), List.of());
    List<BenchResults.Ratio> ratios = new ArrayList<>(BenchReport.ratios(runs));
    ratios.addAll(TraceRuns.ratios(traces.runs()));
    BenchResults results =
        new BenchResults(
            options.commandLine(),
            BenchResults.Settings.of(options),
            before,
            Machine.now(),
            runs,
            ratios,
            traces.runs());
    System.out.println(BenchReport.render(results));
    if (!traces.results().isEmpty()) {
      System.out.println(TraceResult.table(traces.results()));
    }
    try {
      Path index = BenchReport.write(options.reportDir(), title, results, traces.results());
      System.out.println("Report with charts: " + index.toAbsolutePath().toUri());
      System.out.println(
          "Results JSON: " + options.reportDir().resolve("results.json").toAbsolutePath());
    } catch (Exception e) {
      log.warn("cannot write the report", e);
      System.out.println("Could not write the report: " + e.getMessage());
    }
    return results;
  }

  /**
   * In-JVM, runs the pods workload once, unmeasured, at {@code --warmup} pods on each Java chain
   * the runs use (plain's controllers, activator and autoscaler also serve the K8s+ variants):
   * measured runs then start with compiled code, whichever variant comes first. Process mode starts
   * fresh stage JVMs per run, so there is nothing to warm here.
   */
  static List<BenchVariant> warmUpChains(BenchOptions o) {
    if (o.warmup() == 0 || o.mode() != BenchOptions.Mode.IN_JVM) {
      return List.of();
    }
    if (!o.workloads().contains("pods") && !o.workloads().contains("functions")) {
      return List.of(); // the trace runs after the others and warms as it goes
    }
    List<BenchVariant> out = new ArrayList<>();
    if (o.variants().stream().anyMatch(v -> v != BenchVariant.DIRECT)) {
      out.add(BenchVariant.PLAIN);
    }
    if (o.variants().contains(BenchVariant.DIRECT)) {
      out.add(BenchVariant.DIRECT);
    }
    return out;
  }

  private static void warmUp(BenchOptions o, boolean live) {
    for (BenchVariant v : warmUpChains(o)) {
      if (live) {
        System.err.println(
            "warming up the JVM: pods " + o.warmup() + " on " + v.flag() + " (not measured)");
      }
      RunResult r =
          runOne(
              new PodsWorkload(o.warmup(), o.serviceTime(), o.timeout(), o.trigger()),
              v,
              o,
              false,
              false);
      if (!r.ok()) {
        log.warn("the warm-up on {} did not complete: {} {}", v.flag(), r.error(), r.problems());
      }
    }
  }

  /** The pods and functions workloads of {@code o}, each at each size. */
  static List<Workload> workloads(BenchOptions o) {
    List<Workload> out = new ArrayList<>();
    for (String name : o.workloads()) {
      switch (name) {
        case "pods" ->
            o.pods()
                .forEach(
                    n -> out.add(new PodsWorkload(n, o.serviceTime(), o.timeout(), o.trigger())));
        case "functions" ->
            o.functions().forEach(f -> out.add(new FunctionsWorkload(f, o.timeout())));
        default -> {} // trace: TraceRuns, after the others (one trace for all variants)
      }
    }
    return out;
  }

  /** Runs {@code w} on {@code v} on a fresh control plane; failures become failed results. */
  public static RunResult runOne(Workload w, BenchVariant v, BenchOptions o, boolean live) {
    return runOne(w, v, o, live, o.profile());
  }

  private static RunResult runOne(
      Workload w, BenchVariant v, BenchOptions o, boolean live, boolean profile) {
    String mode = BenchChain.modeOf(v, o);
    String what = w.name() + " " + w.size() + " on " + v.description() + " (" + mode + ")";
    if (live) {
      System.err.println(what + ": starting a fresh control plane");
    }
    log.info("=== {}", what);
    try {
      Path work = Files.createTempDirectory("kubedirect-bench-");
      try (BenchChain chain = BenchChain.prepare(v, o, work)) {
        w.declare(chain);
        chain.start();
        RunProfiler profiler =
            profile
                ? RunProfiler.start(
                    chain, o.reportDir(), w.name() + "-" + w.size() + "-" + v.flag() + "-" + mode)
                : null;
        RunResult r = w.run(chain, live);
        if (profiler != null) {
          Path written = profiler.finish();
          if (live) {
            System.err.println(what + ": profile in " + written);
          }
        }
        log.info("=== {} done: {}", what, r.ok() ? "ok" : r.error() + " " + r.problems());
        if (r.ok()) {
          deleteWorkDir(work);
        } else {
          log.info("{}: its stages' files stay in {}", what, work);
        }
        return r;
      }
    } catch (Exception e) {
      log.error("{} failed", what, e);
      String msg = e.getMessage() == null ? e.toString() : e.getMessage();
      if (live) {
        System.err.println(what + " failed: " + msg.lines().findFirst().orElse(msg));
      }
      return RunResult.failed(w, v, mode, msg.lines().findFirst().orElse(msg));
    }
  }

  private static void deleteWorkDir(Path work) {
    try (Stream<Path> paths = Files.walk(work)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      log.debug("cannot delete {}", work, e);
    }
  }
}
