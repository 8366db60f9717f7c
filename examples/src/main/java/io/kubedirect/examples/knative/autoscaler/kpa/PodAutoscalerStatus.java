package io.kubedirect.examples.knative.autoscaler.kpa;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The parts of Knative's PodAutoscaler status the scaling logic reads and writes: the {@code
 * Active} condition with its last transition time, and whether the scale target has been
 * initialized (reached its initial scale). Mutable, not thread-safe: owned by one reconcile at a
 * time.
 */
public final class PodAutoscalerStatus {

  /** The {@code Active} condition. */
  public enum Active {
    /** Unknown: the revision is being activated (also the state after initialization). */
    ACTIVATING,
    /** True: the revision has pods and traffic. */
    ACTIVE,
    /** False: the revision is idle (scaled or scaling to zero). */
    INACTIVE
  }

  private Active active;
  private Instant lastTransition;
  private boolean scaleTargetInitialized;
  private String inactiveReason = "";

  /** A status as Knative initializes it: activating since {@code now}. */
  public PodAutoscalerStatus(Instant now) {
    this(Active.ACTIVATING, now, false);
  }

  /** A status in {@code active} since {@code since}. */
  public PodAutoscalerStatus(Active active, Instant since, boolean scaleTargetInitialized) {
    this.active = Objects.requireNonNull(active, "active");
    this.lastTransition = Objects.requireNonNull(since, "since");
    this.scaleTargetInitialized = scaleTargetInitialized;
  }

  /** The {@code Active} condition. */
  public Active active() {
    return active;
  }

  /** When the {@code Active} condition last changed. */
  public Instant lastTransition() {
    return lastTransition;
  }

  /** True once the revision has reached its initial scale. */
  public boolean scaleTargetInitialized() {
    return scaleTargetInitialized;
  }

  /** Why the revision is inactive ({@code NoTraffic} or {@code TimedOut}), empty otherwise. */
  public String inactiveReason() {
    return inactiveReason;
  }

  /** True if activating. */
  public boolean isActivating() {
    return active == Active.ACTIVATING;
  }

  /** True if active. */
  public boolean isActive() {
    return active == Active.ACTIVE;
  }

  /** True if inactive. */
  public boolean isInactive() {
    return active == Active.INACTIVE;
  }

  /**
   * Time in {@code state} at {@code now}, or -1 ns if in another state (Knative's {@code
   * inStatusFor}).
   */
  public Duration inStateFor(Active state, Instant now) {
    return active == state ? Duration.between(lastTransition, now) : Duration.ofNanos(-1);
  }

  void mark(Active state, Instant now) {
    if (active != state) {
      active = state;
      lastTransition = now;
    }
    if (state != Active.INACTIVE) {
      inactiveReason = "";
    }
  }

  void markInactive(String reason, Instant now) {
    mark(Active.INACTIVE, now);
    inactiveReason = reason;
  }

  void markScaleTargetInitialized() {
    scaleTargetInitialized = true;
  }
}
