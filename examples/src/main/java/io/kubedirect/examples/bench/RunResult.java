package io.kubedirect.examples.bench;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one workload measured on one variant. Times are seconds since the workload's first request
 * (per function for the functions workload); a null summary means not measured in that mode.
 *
 * @param workload the workload's name
 * @param size pods N or functions F
 * @param variant the variant's flag
 * @param mode where the Java stages ran ({@code in-jvm} or {@code process})
 * @param error why the run did not complete, or null
 * @param ready when pods were Ready in an API-Server pod watch (the paper's metric)
 * @param routable when the activator could route to them (in-JVM only)
 * @param served when each pod (pods workload) or function (functions workload) answered its first
 *     request
 * @param decisionSeconds when the autoscaler first decided the full size (pods workload; -1 if not
 *     seen)
 * @param apiWrites mutating API requests of all clients during the run (-1 if unknown)
 * @param stages per-stage times (functions workload: when each stage first handled each function's
 *     objects; empty where not measured)
 * @param problems what the end-state check found wrong (empty: exactly right)
 * @param readySeconds each pod's Ready time (for the charts)
 * @param routableSeconds each pod's routable time (for the charts)
 */
public record RunResult(
    String workload,
    int size,
    String variant,
    String mode,
    String error,
    TimeStats ready,
    TimeStats routable,
    TimeStats served,
    double decisionSeconds,
    long apiWrites,
    Map<String, TimeStats> stages,
    List<String> problems,
    List<Double> readySeconds,
    List<Double> routableSeconds) {

  /** Copies the collections. */
  public RunResult {
    stages = Collections.unmodifiableMap(new LinkedHashMap<>(stages));
    problems = List.copyOf(problems);
    readySeconds = List.copyOf(readySeconds);
    routableSeconds = List.copyOf(routableSeconds);
  }

  /** A run that failed with {@code error}. */
  public static RunResult failed(Workload w, BenchVariant v, String mode, String error) {
    return new RunResult(
        w.name(), w.size(), v.flag(), mode, error, null, null, null, -1, -1, Map.of(), List.of(),
        List.of(), List.of());
  }

  /** True if the run completed and its end state was exactly right. */
  public boolean ok() {
    return error == null && ready != null && problems.isEmpty();
  }

  /** API writes per pod Ready (-1 if unknown). */
  public double writesPerPod() {
    return apiWrites < 0 || ready == null ? -1 : apiWrites / (double) ready.count();
  }

  /**
   * Seconds from the autoscaler's decision to the last pod routable at the activator (-1 if either
   * is unknown).
   */
  public double routableAfterDecision() {
    return routable == null || decisionSeconds < 0 ? -1 : routable.p100() - decisionSeconds;
  }
}
