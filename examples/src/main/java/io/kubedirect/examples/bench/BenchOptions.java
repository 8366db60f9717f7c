package io.kubedirect.examples.bench;

import io.kubedirect.examples.bench.trace.TraceSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * Command-line options of {@link BenchMain}.
 *
 * @param workloads the workloads to run, in order ({@code pods}, {@code functions}, {@code trace})
 * @param pods sizes of the pods workload (0 -> N pods of one function)
 * @param functions sizes of the functions workload (F functions 0 -> 1 at once)
 * @param variants the chains to compare, each on a fresh control plane
 * @param mode the stages in this JVM, or each stage in its own JVM
 * @param reportDir where the HTML report, the charts and {@code results.json} go
 * @param nodes pool nodes
 * @param sandboxManagers sandbox managers (in-JVM mode; the process chain runs one)
 * @param maxStartDelay a sandbox's simulated start delay is uniform in [0, max]
 * @param serviceTime how long a sandbox takes to answer a request of the pods workload
 * @param timeout the longest a run may take before it counts as failed
 * @param tunedQps client QPS of kube-controller-manager and kube-scheduler in {@code k8s-tuned}
 * @param tunedBurst client burst of both in {@code k8s-tuned}
 * @param trigger how the pods workload scales its function from zero
 * @param tracePreset the trace workload's preset ({@code short} or {@code long})
 * @param traceSeed the trace workload's seed
 * @param stageJavaOptions JVM options of each stage process in process mode (empty: {@code
 *     ProcessChain}'s defaults)
 * @param warmup pods of one unmeasured pods run per Java chain before the measured runs, in-JVM (0:
 *     none): the first run in a fresh JVM pays for compiling the stages' code
 * @param profile profile each pods and functions run ({@link RunProfiler}: API Server requests, CPU
 *     per process, JFR of the benchmark JVM) into the report directory
 * @param commandLine the arguments as given (for the results)
 */
public record BenchOptions(
    List<String> workloads,
    List<Integer> pods,
    List<Integer> functions,
    List<BenchVariant> variants,
    Mode mode,
    Path reportDir,
    int nodes,
    int sandboxManagers,
    Duration maxStartDelay,
    Duration serviceTime,
    Duration timeout,
    float tunedQps,
    int tunedBurst,
    Trigger trigger,
    String tracePreset,
    long traceSeed,
    List<String> stageJavaOptions,
    int warmup,
    boolean profile,
    List<String> commandLine) {

  /** How the pods workload scales its function from zero to N. */
  public enum Trigger {
    /**
     * Patch the function's Deployment annotation {@code autoscaling.knative.dev/min-scale} to N:
     * the autoscaler decides N at its next reconcile; times count from the patch.
     */
    MIN_SCALE("min-scale"),
    /**
     * N closed-loop clients send requests through the activator at once: the autoscaler's decider
     * ramps up to N from the activator's concurrency reports; times count from the first request.
     */
    REQUESTS("requests");

    private final String flag;

    Trigger(String flag) {
      this.flag = flag;
    }

    /** The name on the command line. */
    public String flag() {
      return flag;
    }

    static Trigger parse(String s) {
      for (Trigger t : values()) {
        if (t.flag.equals(s)) {
          return t;
        }
      }
      throw new IllegalArgumentException("unknown trigger '" + s + "' (min-scale or requests)");
    }
  }

  /** Where the stages run. */
  public enum Mode {
    /** Every Java stage in the benchmark's JVM. */
    IN_JVM("in-jvm"),
    /** Each Java stage as its own {@code StageMain} process ({@code faas.process.ProcessChain}). */
    PROCESS("process");

    private final String flag;

    Mode(String flag) {
      this.flag = flag;
    }

    /** The name on the command line. */
    public String flag() {
      return flag;
    }

    static Mode parse(String s) {
      for (Mode m : values()) {
        if (m.flag.equals(s)) {
          return m;
        }
      }
      throw new IllegalArgumentException("unknown mode '" + s + "' (in-jvm or process)");
    }
  }

  /** The workloads {@code --workload} accepts besides {@code all}. */
  public static final List<String> WORKLOADS = List.of("pods", "functions", "trace");

  /** Usage text. */
  public static final String USAGE =
      String.join(
          "\n",
          "usage: BenchMain [--workload pods|functions|trace|all[,...]] [--pods N[,N...]] [--functions F[,F...]]",
          "                 [--variants plain,direct,k8s,k8s-tuned] [--mode in-jvm|process] [--report DIR]",
          "                 [--nodes N] [--sandbox-managers N] [--max-start-delay-ms MS] [--service-time-ms MS]",
          "                 [--timeout-s S] [--tuned-qps Q] [--tuned-burst B] [--trigger min-scale|requests]",
          "                 [--trace-preset short|long] [--trace-seed S] [--stage-java-opts \"OPTS\"]",
          "                 [--warmup N] [--profile]",
          "defaults: --workload pods,functions --pods 100,500,1000 --functions 100,500",
          "          --variants plain,direct,k8s,k8s-tuned --mode in-jvm --report target/bench-report",
          "          --nodes 10 --sandbox-managers 2 --max-start-delay-ms 50 --service-time-ms 2000",
          "          --timeout-s 600 --tuned-qps 5000 --tuned-burst 10000 --trigger min-scale",
          "          --trace-preset short --trace-seed 12 (trace runs only with --workload trace or all)",
          "          --stage-java-opts \"\" (process mode: ProcessChain's -Xmx256m -XX:+UseSerialGC ...)",
          "          --warmup 200 (in-JVM: one unmeasured pods run of N per Java chain first; 0: none)",
          "--profile writes profile-<run>.txt and .jfr per pods/functions run into the report directory:",
          "          API Server requests by verb and resource, etcd requests, CPU per process, JVM hot spots");

  /** Copies the lists. */
  public BenchOptions {
    workloads = List.copyOf(workloads);
    pods = List.copyOf(pods);
    functions = List.copyOf(functions);
    variants = List.copyOf(variants);
    stageJavaOptions = List.copyOf(stageJavaOptions);
    commandLine = List.copyOf(commandLine);
  }

  /**
   * Parses {@code args} ({@code --flag value} or {@code --flag=value}).
   *
   * @throws IllegalArgumentException naming the flag on an unknown flag, a missing or malformed
   *     value, or an invalid combination
   */
  public static BenchOptions parse(String... args) {
    List<String> workloads = List.of("pods", "functions");
    List<Integer> pods = List.of(100, 500, 1000);
    List<Integer> functions = List.of(100, 500);
    List<BenchVariant> variants = List.of(BenchVariant.values());
    Mode mode = Mode.IN_JVM;
    Path report = Path.of("target", "bench-report");
    int nodes = 10;
    int managers = 2;
    long delayMs = 50;
    long serviceMs = 2000;
    long timeoutS = 600;
    float tunedQps = 5000;
    int tunedBurst = 10000;
    Trigger trigger = Trigger.MIN_SCALE;
    String tracePreset = "short";
    long traceSeed = TraceSpec.DEFAULT_SEED;
    List<String> stageJavaOptions = List.of();
    int warmup = 200;
    boolean profile = false;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (flag.equals("--profile")) {
        profile = true;
        continue;
      }
      String value;
      int eq = flag.indexOf('=');
      if (flag.startsWith("--") && eq > 0) {
        value = flag.substring(eq + 1);
        flag = flag.substring(0, eq);
      } else {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("missing value for " + flag);
        }
        value = args[++i];
      }
      switch (flag) {
        case "--workload", "--workloads" -> workloads = workloads(value);
        case "--pods" -> pods = sizes(flag, value);
        case "--functions" -> functions = sizes(flag, value);
        case "--variants", "--variant" -> variants = variants(value);
        case "--mode" -> mode = Mode.parse(value);
        case "--report" -> {
          if (value.isBlank()) {
            throw new IllegalArgumentException("--report needs a directory");
          }
          report = Path.of(value);
        }
        case "--nodes" -> nodes = positive(flag, value);
        case "--sandbox-managers" -> managers = positive(flag, value);
        case "--max-start-delay-ms" -> delayMs = nonNegative(flag, value);
        case "--service-time-ms" -> serviceMs = nonNegative(flag, value);
        case "--timeout-s" -> timeoutS = positive(flag, value);
        case "--tuned-qps" -> tunedQps = positive(flag, value);
        case "--tuned-burst" -> tunedBurst = positive(flag, value);
        case "--trigger" -> trigger = Trigger.parse(value.trim());
        case "--trace-preset" -> {
          tracePreset = value.trim().toLowerCase(Locale.ROOT);
          TraceSpec.preset(tracePreset, TraceSpec.DEFAULT_SEED); // names a bad preset
        }
        case "--trace-seed" -> traceSeed = nonNegative(flag, value);
        case "--warmup" -> warmup = (int) Math.min(nonNegative(flag, value), 100_000);
        case "--stage-java-opts" ->
            stageJavaOptions = value.isBlank() ? List.of() : List.of(value.trim().split("\\s+"));
        default -> throw new IllegalArgumentException("unknown flag " + flag);
      }
    }
    if (managers > nodes) {
      throw new IllegalArgumentException(
          "--sandbox-managers (" + managers + ") must not exceed --nodes (" + nodes + ")");
    }
    return new BenchOptions(
        workloads,
        pods,
        functions,
        variants,
        mode,
        report,
        nodes,
        managers,
        Duration.ofMillis(delayMs),
        Duration.ofMillis(serviceMs),
        Duration.ofSeconds(timeoutS),
        tunedQps,
        tunedBurst,
        trigger,
        tracePreset,
        traceSeed,
        stageJavaOptions,
        warmup,
        profile,
        List.of(args));
  }

  private static List<String> workloads(String value) {
    LinkedHashSet<String> out = new LinkedHashSet<>();
    for (String part : value.split(",")) {
      String w = part.trim().toLowerCase(Locale.ROOT);
      if (w.equals("all")) {
        out.addAll(WORKLOADS);
      } else if (WORKLOADS.contains(w)) {
        out.add(w);
      } else {
        throw new IllegalArgumentException(
            "unknown workload '" + part + "' (pods, functions, trace or all)");
      }
    }
    return List.copyOf(out);
  }

  private static List<BenchVariant> variants(String value) {
    LinkedHashSet<BenchVariant> out = new LinkedHashSet<>();
    for (String part : value.split(",")) {
      out.add(BenchVariant.parse(part));
    }
    return List.copyOf(out);
  }

  private static List<Integer> sizes(String flag, String value) {
    List<Integer> out = new ArrayList<>();
    for (String part : value.split(",")) {
      out.add(positive(flag, part.trim()));
    }
    return List.copyOf(out);
  }

  private static int positive(String flag, String value) {
    long v = nonNegative(flag, value);
    if (v < 1 || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          flag + " must be a whole number >= 1, got '" + value + "'");
    }
    return (int) v;
  }

  private static long nonNegative(String flag, String value) {
    try {
      long v = Long.parseLong(value.trim());
      if (v < 0) {
        throw new IllegalArgumentException(flag + " must not be negative, got '" + value + "'");
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " needs a whole number, got '" + value + "'", e);
    }
  }
}
