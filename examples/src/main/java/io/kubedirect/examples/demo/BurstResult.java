package io.kubedirect.examples.demo;

import java.util.List;

/**
 * Outcome of one burst.
 *
 * @param variant which slice ran
 * @param stats latency summary, null if the burst failed
 * @param apiWrites mutating API requests (all clients) from the scale request until the last pod
 *     was Ready; -1 if unknown
 * @param problems what the end-state check found wrong (empty = exactly right)
 * @param error why the run failed, or null
 * @param readySeconds when each pod was Ready, in seconds after the scale request (empty if the
 *     burst failed)
 */
public record BurstResult(
    BurstOptions.Variant variant,
    BurstStats stats,
    long apiWrites,
    List<String> problems,
    String error,
    List<Double> readySeconds) {

  /** Copies the lists. */
  public BurstResult {
    problems = List.copyOf(problems);
    readySeconds = List.copyOf(readySeconds);
  }

  /** A run that did not complete. */
  public static BurstResult failed(BurstOptions.Variant variant, String error) {
    return new BurstResult(variant, null, -1, List.of(), error, List.of());
  }

  /** True if the burst completed and the end state was exactly right. */
  public boolean ok() {
    return error == null && stats != null && problems.isEmpty();
  }
}
