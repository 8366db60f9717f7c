package io.kubedirect.transport;

import java.time.Duration;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Capped exponential backoff with jitter: {@code initial}, then times {@code multiplier} per
 * attempt up to {@code max}, each value spread uniformly by {@code +-jitter} (a fraction). Defaults
 * for a controller link: 50 ms, x1.6, 2 s, +-20 %.
 */
public final class ExponentialBackoffPolicy implements BackoffPolicy {

  private final long maxNanos;
  private final double multiplier;
  private final double jitter;
  private final Random random;
  private long nextNanos;

  private ExponentialBackoffPolicy(
      Duration initial, Duration max, double multiplier, double jitter, Random random) {
    this.nextNanos = initial.toNanos();
    this.maxNanos = max.toNanos();
    this.multiplier = multiplier;
    this.jitter = jitter;
    this.random = random;
  }

  /** A provider with the default parameters. */
  public static Provider defaults() {
    return provider(Duration.ofMillis(50), Duration.ofSeconds(2), 1.6, 0.2, null);
  }

  /**
   * A provider of policies with the given parameters. {@code random} may be null (then a
   * thread-local random is used); pass a seeded one for reproducible tests.
   */
  public static Provider provider(
      Duration initial, Duration max, double multiplier, double jitter, Random random) {
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("need 0 < initial <= max, got " + initial + ", " + max);
    }
    if (multiplier < 1.0 || jitter < 0.0 || jitter >= 1.0) {
      throw new IllegalArgumentException("need multiplier >= 1 and 0 <= jitter < 1");
    }
    return () ->
        new ExponentialBackoffPolicy(
            initial,
            max,
            multiplier,
            jitter,
            random != null ? random : ThreadLocalRandom.current());
  }

  @Override
  public Duration nextBackoff() {
    long current = nextNanos;
    nextNanos = (long) Math.min(current * multiplier, (double) maxNanos);
    if (jitter == 0.0) {
      return Duration.ofNanos(current); // deterministic (the simulation relies on it)
    }
    double spread = current * jitter;
    long jittered = (long) (current - spread + random.nextDouble() * 2 * spread);
    return Duration.ofNanos(Math.max(0, jittered));
  }
}
