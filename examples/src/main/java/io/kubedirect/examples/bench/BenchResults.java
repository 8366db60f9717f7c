package io.kubedirect.examples.bench;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.kubedirect.examples.bench.trace.TraceResult;
import java.util.List;

/**
 * Everything one harness run produced, as written to {@code results.json}.
 *
 * @param commandLine the harness's arguments
 * @param options the options in effect
 * @param machineBefore the machine before the first run
 * @param machineAfter the machine after the last run
 * @param runs one result per workload, size and variant
 * @param ratios the headline ratios next to their targets
 * @param traces one summary per variant the trace workload ran on (empty if it did not run)
 */
public record BenchResults(
    List<String> commandLine,
    Settings options,
    Machine machineBefore,
    Machine machineAfter,
    List<RunResult> runs,
    List<Ratio> ratios,
    List<TraceRun> traces) {

  /** Copies the lists. */
  public BenchResults {
    commandLine = List.copyOf(commandLine);
    runs = List.copyOf(runs);
    ratios = List.copyOf(ratios);
    traces = traces == null ? List.of() : List.copyOf(traces);
  }

  /**
   * The trace workload on one variant.
   *
   * @param variant the variant's flag
   * @param mode where the Java stages ran
   * @param preset the trace's preset
   * @param seed the trace's seed
   * @param summary the replay's figures (null if it did not complete)
   * @param error why it did not complete, or null
   */
  public record TraceRun(
      String variant,
      String mode,
      String preset,
      long seed,
      TraceResult.Summary summary,
      String error) {}

  /**
   * The options that shape the numbers.
   *
   * @param workloads workloads run
   * @param variants variants run
   * @param mode where the Java stages ran
   * @param nodes pool nodes
   * @param sandboxManagers sandbox managers (in-JVM)
   * @param maxStartDelayMs sandbox start delay bound
   * @param serviceTimeMs pods workload's request service time
   * @param tunedQps k8s-tuned client QPS
   * @param tunedBurst k8s-tuned client burst
   * @param trigger how the pods workload scaled its function ({@code min-scale} or {@code
   *     requests})
   * @param tracePreset the trace workload's preset
   * @param traceSeed the trace workload's seed
   * @param stageJavaOptions JVM options of the stage processes (process mode; empty: defaults)
   * @param warmup pods of the unmeasured warm-up run per Java chain (0: none)
   */
  public record Settings(
      List<String> workloads,
      List<String> variants,
      String mode,
      int nodes,
      int sandboxManagers,
      long maxStartDelayMs,
      long serviceTimeMs,
      float tunedQps,
      int tunedBurst,
      String trigger,
      String tracePreset,
      long traceSeed,
      List<String> stageJavaOptions,
      int warmup) {

    /** The settings of {@code o}. */
    public static Settings of(BenchOptions o) {
      return new Settings(
          o.workloads(),
          o.variants().stream().map(BenchVariant::flag).toList(),
          o.mode().flag(),
          o.nodes(),
          o.sandboxManagers(),
          o.maxStartDelay().toMillis(),
          o.serviceTime().toMillis(),
          o.tunedQps(),
          o.tunedBurst(),
          o.trigger().flag(),
          o.tracePreset(),
          o.traceSeed(),
          o.stageJavaOptions(),
          o.warmup());
    }
  }

  /**
   * How many times sooner {@code variant} reached {@code metric} than {@code baseline}.
   *
   * @param workload the workload
   * @param size its size
   * @param metric e.g. {@code p90 Ready}
   * @param variant the faster candidate
   * @param baseline the variant compared against
   * @param ratio baseline's time / variant's time
   * @param target the target ratio (0: none at this size)
   */
  public record Ratio(
      String workload,
      int size,
      String metric,
      String variant,
      String baseline,
      double ratio,
      double target) {}

  /** The results as pretty-printed JSON. */
  public String toJson() {
    Gson gson =
        new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();
    return gson.toJson(this);
  }

  /** Reads results written by {@link #toJson()}. */
  public static BenchResults fromJson(String json) {
    return new Gson().fromJson(json, BenchResults.class);
  }
}
