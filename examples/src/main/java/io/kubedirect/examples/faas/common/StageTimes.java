package io.kubedirect.examples.faas.common;

import java.util.Objects;

/**
 * A hook for benchmarks: each example controller reports here when it starts to reconcile an object
 * ({@link #handled}), and the autoscaler reports the scale it wants ({@link #scaled}); a benchmark
 * running the chain in this JVM installs a {@link Recorder} (e.g. a {@link StageTimeLog}; a stage
 * process serves its log on {@code /stage-times}) to learn when each stage first handled each
 * function's objects and when the autoscaler decided a scale. Without a recorder a call costs one
 * volatile read.
 */
public final class StageTimes {

  /** Receives the reconcile starts of every stage in this JVM. */
  @FunctionalInterface
  public interface Recorder {
    /**
     * Stage {@code stage} started to reconcile object {@code namespace/name} at {@code nanoTime}
     * ({@link System#nanoTime()}). Called on the controllers' worker threads; must be quick.
     */
    void handled(String stage, String namespace, String name, long nanoTime);

    /**
     * The autoscaler wants {@code replicas} pods of function {@code namespace/function} as of
     * {@code nanoTime} (its scale after min-scale and max-scale): reported right before it writes a
     * new scale and after every reconcile of the function. Must be quick.
     */
    default void scaled(String namespace, String function, int replicas, long nanoTime) {}
  }

  private static volatile Recorder recorder;

  private StageTimes() {}

  /** Reports that {@code stage} starts to reconcile {@code namespace/name} now. */
  public static void handled(String stage, String namespace, String name) {
    Recorder r = recorder;
    if (r != null) {
      r.handled(stage, namespace, name, System.nanoTime());
    }
  }

  /**
   * Reports that the autoscaler now wants {@code replicas} pods of {@code namespace/function} (its
   * bounded scale, as it writes it).
   */
  public static void scaled(String namespace, String function, int replicas) {
    Recorder r = recorder;
    if (r != null) {
      r.scaled(namespace, function, replicas, System.nanoTime());
    }
  }

  /** Installs {@code r} (replacing any other); {@link #uninstall} removes it. */
  public static void install(Recorder r) {
    recorder = Objects.requireNonNull(r, "recorder");
  }

  /** Removes {@code r} if it is the one installed. */
  public static void uninstall(Recorder r) {
    if (recorder == r) {
      recorder = null;
    }
  }
}
