package io.kubedirect.transport.inmemory;

import java.time.Duration;
import java.util.Objects;

/**
 * Probabilistic faults applied to each link-level message on a link, decided by the network's
 * seeded random.
 *
 * <p>A real (TCP-like) transport never drops, duplicates or reorders messages on a live connection:
 * it only loses the messages in flight when the connection itself dies. {@code drop} with {@link
 * #dropKillsLink()} models exactly that (the message is lost and the connection is reset, both
 * sides see {@code onClosed(INTERNAL)}); plain drop, duplicate and reorder deliberately violate the
 * {@link io.kubedirect.transport.Link} contract to check that the runtime survives a peer or a
 * network that misbehaves (acks, epochs and level-triggered reconciliation must absorb them).
 *
 * @param dropProbability chance that a message is lost
 * @param dropKillsLink when a message is lost, also reset the connection (the realistic mode)
 * @param duplicateProbability chance that a message is delivered twice
 * @param reorderProbability chance that a message overtakes up to {@code reorderWindow} earlier
 *     messages still in flight
 * @param reorderWindow how many in-flight messages a reordered message may overtake (at least 1)
 * @param minExtraDelay smallest extra delay added to the network's base latency
 * @param maxExtraDelay largest extra delay; without reordering, delivery stays FIFO whatever the
 *     delays
 */
public record FaultSpec(
    double dropProbability,
    boolean dropKillsLink,
    double duplicateProbability,
    double reorderProbability,
    int reorderWindow,
    Duration minExtraDelay,
    Duration maxExtraDelay) {

  /** No faults. */
  public static final FaultSpec NONE =
      new FaultSpec(0, false, 0, 0, 1, Duration.ZERO, Duration.ZERO);

  public FaultSpec {
    checkProbability("dropProbability", dropProbability);
    checkProbability("duplicateProbability", duplicateProbability);
    checkProbability("reorderProbability", reorderProbability);
    if (reorderWindow < 1) {
      throw new IllegalArgumentException("reorderWindow must be >= 1, got " + reorderWindow);
    }
    Objects.requireNonNull(minExtraDelay, "minExtraDelay");
    Objects.requireNonNull(maxExtraDelay, "maxExtraDelay");
    if (minExtraDelay.isNegative() || maxExtraDelay.compareTo(minExtraDelay) < 0) {
      throw new IllegalArgumentException(
          "need 0 <= minExtraDelay <= maxExtraDelay, got " + minExtraDelay + ", " + maxExtraDelay);
    }
  }

  private static void checkProbability(String name, double p) {
    if (!(p >= 0.0 && p <= 1.0)) {
      throw new IllegalArgumentException(name + " must be in [0, 1], got " + p);
    }
  }

  /** Whether this spec changes anything. */
  public boolean isNone() {
    return dropProbability == 0
        && duplicateProbability == 0
        && reorderProbability == 0
        && maxExtraDelay.isZero();
  }

  /** A builder starting from no faults. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link FaultSpec}; {@link #build()} validates. */
  public static final class Builder {
    private double drop;
    private boolean dropKills;
    private double duplicate;
    private double reorder;
    private int window = 4;
    private Duration minDelay = Duration.ZERO;
    private Duration maxDelay = Duration.ZERO;

    private Builder() {}

    /**
     * Loses each message with probability {@code p}; {@code killLink} also resets the connection.
     */
    public Builder drop(double p, boolean killLink) {
      this.drop = p;
      this.dropKills = killLink;
      return this;
    }

    /** Delivers each message twice with probability {@code p}. */
    public Builder duplicate(double p) {
      this.duplicate = p;
      return this;
    }

    /**
     * Lets each message overtake up to {@code window} in-flight messages with probability {@code
     * p}.
     */
    public Builder reorder(double p, int window) {
      this.reorder = p;
      this.window = window;
      return this;
    }

    /** Adds an extra delay drawn uniformly from [{@code min}, {@code max}] to each message. */
    public Builder delay(Duration min, Duration max) {
      this.minDelay = min;
      this.maxDelay = max;
      return this;
    }

    /** Validates and builds. */
    public FaultSpec build() {
      return new FaultSpec(drop, dropKills, duplicate, reorder, window, minDelay, maxDelay);
    }
  }
}
