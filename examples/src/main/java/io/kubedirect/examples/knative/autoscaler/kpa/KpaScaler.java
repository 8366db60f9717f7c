package io.kubedirect.examples.knative.autoscaler.kpa;

import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.config.AutoscalerConfig;
import io.kubedirect.examples.knative.autoscaler.config.RevisionAutoscaling;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Knative's KPA {@code scaler}: turns the decider's desired scale into the scale to write. It
 * applies min, max and initial scale, runs the scale-to-zero state machine ({@link
 * #handleScaleToZero}), and writes the scale through the {@link ScaleWriter} when it differs from
 * the current replicas. Timers are requests to re-reconcile the revision later ({@link Requeue});
 * the clock is injected.
 */
public final class KpaScaler {

  /** Knative's {@code scaleUnknown}: no decision yet. */
  public static final int SCALE_UNKNOWN = -1;

  /** Added to the progress deadline to get the activation timeout. */
  public static final Duration ACTIVATION_TIMEOUT_BUFFER = Duration.ofSeconds(30);

  /** config-deployment's default {@code progress-deadline}. */
  public static final Duration DEFAULT_PROGRESS_DEADLINE = Duration.ofSeconds(600);

  /** How soon a PA already in proxy mode is looked at again after it could deactivate. */
  public static final Duration PROXY_RECHECK = Duration.ofSeconds(3);

  /** Asks for the revision to be reconciled again after a delay. */
  @FunctionalInterface
  public interface Requeue {
    /** Reconcile {@code revision} again after {@code delay}. */
    void enqueueAfter(RevisionKey revision, Duration delay);
  }

  /** The result of {@link #scale}: the scale the reconciler wants and whether it was written. */
  public record Outcome(int want, boolean written) {}

  private final Supplier<AutoscalerConfig> config;
  private final Duration progressDeadline;
  private final Clock clock;
  private final Requeue requeue;
  private final ActivatorProbe probe;
  private final ScaleWriter writer;

  /**
   * A scaler reading the configuration from {@code config} (e.g. {@code
   * AutoscalerConfigStore::current}) with config-deployment's {@code progressDeadline}.
   */
  public KpaScaler(
      Supplier<AutoscalerConfig> config,
      Duration progressDeadline,
      Clock clock,
      Requeue requeue,
      ActivatorProbe probe,
      ScaleWriter writer) {
    this.config = Objects.requireNonNull(config, "config");
    this.progressDeadline = Objects.requireNonNull(progressDeadline, "progressDeadline");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.requeue = Objects.requireNonNull(requeue, "requeue");
    this.probe = Objects.requireNonNull(probe, "probe");
    this.writer = Objects.requireNonNull(writer, "writer");
  }

  /**
   * Knative's {@code scaler.scale}: from the decider's {@code desiredScale} (-1 if none yet) and
   * the workload's {@code currentReplicas} (null counts as 1), computes the wanted scale and writes
   * it if needed.
   */
  public Outcome scale(
      RevisionKey key,
      RevisionAutoscaling rev,
      PodAutoscalerStatus pa,
      SksState sks,
      int desiredScale,
      Integer currentReplicas)
      throws Exception {
    AutoscalerConfig c = config.get();
    if (desiredScale < 0 && !pa.isActivating()) {
      return new Outcome(desiredScale, false); // Metrics are not collected yet.
    }
    RevisionAutoscaling.ScaleBounds bounds = rev.scaleBounds(c);
    int min = bounds.min();
    int initialScale = rev.initialScale(c);
    if (initialScale > 1 && !pa.scaleTargetInitialized() && rev.reachability().reachable()) {
      min = Math.max(initialScale, min);
    }
    desiredScale = applyBounds(min, bounds.max(), desiredScale);

    int[] handled = handleScaleToZero(key, rev, pa, sks, desiredScale, c);
    desiredScale = handled[0];
    if (handled[1] == 0) {
      return new Outcome(desiredScale, false);
    }
    int current = currentReplicas == null ? 1 : currentReplicas;
    if (desiredScale == current) {
      return new Outcome(desiredScale, false);
    }
    writer.writeScale(key, desiredScale);
    return new Outcome(desiredScale, true);
  }

  /** Knative's {@code applyBounds}: below min gives min; above a non-zero max gives max. */
  public static int applyBounds(int min, int max, int x) {
    if (x < min) {
      return min;
    }
    if (max != 0 && x > max) {
      return max;
    }
    return x;
  }

  /**
   * Knative's {@code handleScaleToZero}: returns {scale, apply (1) or not (0)}. Non-zero scales
   * pass through. A zero scale is held at 1 while the revision has been active for less than a
   * stable window, becomes "deactivate" (0, not applied) after that, and is applied once the
   * revision has been inactive for the grace period (or the activator has been in the path that
   * long) and the pod-retention period, with the activator confirmed in the path. While activating,
   * a zero is applied only after the activation timeout.
   */
  int[] handleScaleToZero(
      RevisionKey key,
      RevisionAutoscaling rev,
      PodAutoscalerStatus pa,
      SksState sks,
      int desiredScale,
      AutoscalerConfig c)
      throws Exception {
    if (desiredScale != 0) {
      return new int[] {desiredScale, 1};
    }
    if (!c.enableScaleToZero()) {
      return new int[] {1, 1};
    }
    Duration activationTimeout =
        rev.progressDeadline().orElse(progressDeadline).plus(ACTIVATION_TIMEOUT_BUFFER);
    Instant now = clock.instant();
    switch (pa.active()) {
      case ACTIVATING -> {
        if (pa.inStateFor(PodAutoscalerStatus.Active.ACTIVATING, now).compareTo(activationTimeout)
            > 0) {
          return new int[] {desiredScale, 1}; // Activation timed out.
        }
        requeue.enqueueAfter(key, activationTimeout);
        return new int[] {SCALE_UNKNOWN, 0};
      }
      case ACTIVE -> {
        Duration sw = rev.stableWindow(c);
        Duration af = pa.inStateFor(PodAutoscalerStatus.Active.ACTIVE, now);
        if (af.compareTo(sw) >= 0) {
          if (sks != null && sks.mode() == SksMode.PROXY) {
            requeue.enqueueAfter(key, PROXY_RECHECK);
          }
          return new int[] {desiredScale, 0}; // Can deactivate.
        }
        requeue.enqueueAfter(key, sw.minus(af));
        return new int[] {1, 1};
      }
      default -> {
        boolean inPath = true;
        if (rev.targetBurstCapacity(c) != -1) {
          try {
            inPath = probe.probe(key);
          } catch (Exception e) {
            inPath = false;
          }
        }
        if (!inPath) {
          probe.offerAsync(key);
          return new int[] {desiredScale, 0};
        }
        Duration lastPodTimeout = rev.scaleToZeroPodRetention(c);
        Duration grace = c.scaleToZeroGracePeriod();
        Duration lastPodMaxTimeout = grace.compareTo(lastPodTimeout) < 0 ? lastPodTimeout : grace;
        Duration inactiveFor = pa.inStateFor(PodAutoscalerStatus.Active.INACTIVE, now);
        if (inactiveFor.compareTo(lastPodMaxTimeout) >= 0) {
          return new int[] {desiredScale, 1};
        }
        if (lastPodTimeout.compareTo(Duration.ZERO) > 0
            && inactiveFor.compareTo(lastPodTimeout) < 0) {
          requeue.enqueueAfter(key, lastPodTimeout.minus(inactiveFor));
          return new int[] {desiredScale, 0};
        }
        Duration proxyFor = sks == null ? Duration.ZERO : sks.proxyFor(now);
        Duration to = grace.minus(proxyFor);
        if (to.compareTo(Duration.ZERO) <= 0) {
          return new int[] {desiredScale, 1}; // The activator has been in the path long enough.
        }
        requeue.enqueueAfter(key, to);
        return new int[] {desiredScale, 0};
      }
    }
  }
}
