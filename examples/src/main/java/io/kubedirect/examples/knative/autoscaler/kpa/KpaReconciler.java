package io.kubedirect.examples.knative.autoscaler.kpa;

import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.config.AutoscalerConfig;
import io.kubedirect.examples.knative.autoscaler.config.RevisionAutoscaling;
import io.kubedirect.examples.knative.autoscaler.scaling.DeciderSpec;
import io.kubedirect.examples.knative.autoscaler.scaling.DeciderStatus;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The scaling half of Knative's KPA {@code ReconcileKind}: given the decider's status and the
 * revision's pods, it scales ({@link KpaScaler}), decides whether the activator stays in the path
 * (serve only if the wanted scale is positive and the excess burst capacity is not negative), sizes
 * the activator subset, and updates the PodAutoscaler's {@code Active} condition. Stateless apart
 * from the status object it is given.
 */
public final class KpaReconciler {

  /** Knative's {@code minActivators}. */
  public static final int MIN_ACTIVATORS = 2;

  /** The outcome of one reconcile. */
  public record Result(int want, boolean written, SksMode mode, int numActivators) {}

  private final KpaScaler scaler;
  private final Supplier<AutoscalerConfig> config;
  private final Clock clock;

  /** A reconciler scaling with {@code scaler}. */
  public KpaReconciler(KpaScaler scaler, Supplier<AutoscalerConfig> config, Clock clock) {
    this.scaler = Objects.requireNonNull(scaler, "scaler");
    this.config = Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Reconciles one revision: {@code decider} is the multiscaler's status, {@code spec} its decider
   * spec, {@code currentReplicas} the workload's replicas (null = 1) and {@code readyPods} its
   * ready pods.
   */
  public Result reconcile(
      RevisionKey key,
      RevisionAutoscaling rev,
      PodAutoscalerStatus pa,
      SksState sks,
      DeciderSpec spec,
      DeciderStatus decider,
      Integer currentReplicas,
      int readyPods)
      throws Exception {
    KpaScaler.Outcome outcome =
        scaler.scale(key, rev, pa, sks, decider.desiredScale(), currentReplicas);
    int want = outcome.want();
    SksMode mode = SksMode.PROXY;
    if (!(want == KpaScaler.SCALE_UNKNOWN && pa.isInactive())
        && want > 0
        && decider.excessBurstCapacity() >= 0) {
      mode = SksMode.SERVE;
    }
    int activators = numActivators(readyPods, spec);
    computeActiveCondition(rev, pa, want, readyPods);
    return new Result(want, outcome.written(), mode, activators);
  }

  /** Knative's {@code computeNumActivators}. */
  public static int numActivators(int readyPods, DeciderSpec spec) {
    if (spec.targetBurstCapacity() == 0) {
      return MIN_ACTIVATORS;
    }
    double capacityToCover = (double) readyPods * spec.totalValue();
    if (spec.targetBurstCapacity() > 0) {
      capacityToCover += spec.targetBurstCapacity();
    }
    return (int) Math.max(MIN_ACTIVATORS, Math.ceil(capacityToCover / spec.activatorCapacity()));
  }

  /** Knative's {@code computeActiveCondition} (the service-name check is taken as satisfied). */
  void computeActiveCondition(
      RevisionAutoscaling rev, PodAutoscalerStatus pa, int want, int ready) {
    AutoscalerConfig c = config.get();
    int min = rev.scaleBounds(c).min();
    int minReady =
        pa.scaleTargetInitialized() ? Math.max(min, 1) : Math.max(min, rev.initialScale(c));
    if (ready >= minReady) {
      pa.markScaleTargetInitialized();
    }
    var now = clock.instant();
    if (want == 0 || minReady == 0) {
      pa.markInactive(pa.isActivating() && minReady > 0 ? "TimedOut" : "NoTraffic", now);
    } else if (ready < minReady) {
      if (want > 0 || !pa.isInactive()) {
        pa.mark(PodAutoscalerStatus.Active.ACTIVATING, now);
      } else {
        pa.markInactive("NoTraffic", now);
      }
    } else if (want > 0 || !pa.isInactive()) {
      pa.mark(PodAutoscalerStatus.Active.ACTIVE, now);
    }
  }
}
