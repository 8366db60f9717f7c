package io.kubedirect.examples.knative.autoscaler.scaling;

import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.aggregation.GoTime;
import io.kubedirect.examples.knative.autoscaler.aggregation.MaxTimeWindow;
import io.kubedirect.examples.knative.autoscaler.metrics.MetricClient;
import io.kubedirect.examples.knative.autoscaler.metrics.MetricUnavailableException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One revision's decider, a port of Knative's {@code autoscaler} and its {@code Scale} method: from
 * the revision-total stable and panic averages it computes {@code ceil(observed / target)} pods,
 * clamps to the scale-up and scale-down rates, applies the activation scale, enters, extends and
 * leaves panic mode (never scaling down in panic), delays scale-downs, and computes the excess
 * burst capacity. Not thread-safe: the multiscaler serialises calls per revision; {@link #update}
 * may be called from anywhere.
 */
public final class Decider {

  /**
   * Knative's {@code tickInterval}: the decider runs every 2 seconds; also the scale-down delay
   * granularity.
   */
  public static final Duration TICK_INTERVAL = Duration.ofSeconds(2);

  private final RevisionKey key;
  private final MetricClient metricClient;
  private final PodCounter podCounter;
  private final MaxTimeWindow delayWindow;
  private volatile DeciderSpec spec;

  private Instant panicTime;
  private int maxPanicPods;

  /**
   * Creates a decider at {@code now}. If more than one pod is ready it starts in panic mode, so
   * that a restart of the autoscaler (which loses the metric history) does not scale the revision
   * down.
   */
  public Decider(
      RevisionKey key,
      DeciderSpec spec,
      MetricClient metricClient,
      PodCounter podCounter,
      Instant now) {
    this.key = Objects.requireNonNull(key, "key");
    this.spec = Objects.requireNonNull(spec, "spec");
    this.metricClient = Objects.requireNonNull(metricClient, "metricClient");
    this.podCounter = Objects.requireNonNull(podCounter, "podCounter");
    // Like Knative, the delay window exists only if the spec had a delay when the decider was
    // created.
    this.delayWindow =
        spec.scaleDownDelay().isZero()
            ? null
            : new MaxTimeWindow(spec.scaleDownDelay(), TICK_INTERVAL);
    int ready;
    try {
      ready = podCounter.readyCount();
    } catch (PodCounter.PodCountException e) {
      ready = 0;
    }
    this.panicTime = ready > 1 ? now : GoTime.ZERO;
    this.maxPanicPods = ready;
  }

  /** Replaces the spec (Knative's {@code Update}); the panic state and delay window are kept. */
  public void update(DeciderSpec newSpec) {
    this.spec = Objects.requireNonNull(newSpec, "spec");
  }

  /** The current spec. */
  public DeciderSpec spec() {
    return spec;
  }

  /** True while in panic mode. */
  public boolean inPanic() {
    return !panicTime.equals(GoTime.ZERO);
  }

  /**
   * Test hook: sets the panic state (Knative's tests set {@code panicTime} and {@code
   * maxPanicPods}).
   */
  void setPanicState(Instant panicTime, int maxPanicPods) {
    this.panicTime = panicTime;
    this.maxPanicPods = maxPanicPods;
  }

  /** Decides the desired scale at {@code now}. */
  public ScaleResult scale(Instant now) {
    DeciderSpec s = spec;
    int originalReady;
    try {
      originalReady = podCounter.readyCount();
    } catch (PodCounter.PodCountException e) {
      if (!e.notFound()) {
        return ScaleResult.INVALID;
      }
      originalReady = 0;
    }
    double ready = Math.max(1, (double) originalReady);

    MetricClient.WindowValues observed;
    try {
      observed =
          s.usesRps()
              ? metricClient.stableAndPanicRps(key, now)
              : metricClient.stableAndPanicConcurrency(key, now);
    } catch (MetricUnavailableException e) {
      return ScaleResult.INVALID;
    }
    double observedStable = observed.stable();
    double observedPanic = observed.panic();

    // Ceil for scale-up so that a slow rate still adds at least one pod; floor for scale-down.
    double maxScaleUp = Math.ceil(s.maxScaleUpRate() * ready);
    double maxScaleDown = s.reachable() ? Math.floor(ready / s.maxScaleDownRate()) : 0;

    double dspc = Math.ceil(observedStable / s.targetValue());
    double dppc = Math.ceil(observedPanic / s.targetValue());

    int desiredStable = (int) Math.min(Math.max(dspc, maxScaleDown), maxScaleUp);
    int desiredPanic = (int) Math.min(Math.max(dppc, maxScaleDown), maxScaleUp);

    if (s.activationScale() > 1) {
      if (dspc > 0 && s.activationScale() > desiredStable) {
        desiredStable = s.activationScale();
      }
      if (dppc > 0 && s.activationScale() > desiredPanic) {
        desiredPanic = s.activationScale();
      }
    }

    boolean overPanicThreshold = dppc / ready >= s.panicThreshold();
    if (overPanicThreshold) {
      panicTime = now; // Enter, or extend, panic mode.
    } else if (inPanic() && panicTime.plus(s.stableWindow()).isBefore(now)) {
      panicTime = GoTime.ZERO; // The surge has made its way into the stable window.
      maxPanicPods = 0;
    }

    int desired = desiredStable;
    if (inPanic()) {
      desired = Math.max(desired, desiredPanic);
      if (desired > maxPanicPods) {
        maxPanicPods = desired;
      }
      desired = maxPanicPods; // Never scale down in panic mode.
    }

    if (s.reachable() && delayWindow != null) {
      delayWindow.record(now, desired);
      desired = delayWindow.current();
    }

    double excessBurstCapacity;
    if (s.targetBurstCapacity() == 0) {
      excessBurstCapacity = 0;
    } else if (s.targetBurstCapacity() > 0) {
      double totalCapacity = (double) originalReady * s.totalValue();
      excessBurstCapacity = Math.floor(totalCapacity - s.targetBurstCapacity() - observedPanic);
    } else {
      excessBurstCapacity = -1;
    }
    return new ScaleResult(desired, (int) excessBurstCapacity, true);
  }
}
