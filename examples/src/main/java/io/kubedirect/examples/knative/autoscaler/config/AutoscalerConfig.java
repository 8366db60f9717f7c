package io.kubedirect.examples.knative.autoscaler.config;

import java.time.Duration;
import java.util.Map;

/**
 * Knative's {@code config-autoscaler}: an immutable, validated configuration with Knative's
 * defaults. Build it from ConfigMap data with {@link #fromMap}; unknown keys are ignored, like
 * Knative does.
 *
 * @param enableScaleToZero {@code enable-scale-to-zero} (true)
 * @param containerConcurrencyTargetFraction {@code container-concurrency-target-percentage} (0.7;
 *     values above 1 are percentages and are divided by 100; must be in (0, 1])
 * @param containerConcurrencyTargetDefault {@code container-concurrency-target-default} (100)
 * @param targetUtilization the RPS target utilization (0.7, not configurable in Knative)
 * @param rpsTargetDefault {@code requests-per-second-target-default} (200, at least 0.01)
 * @param maxScaleUpRate {@code max-scale-up-rate} (1000, greater than 1)
 * @param maxScaleDownRate {@code max-scale-down-rate} (2, greater than 1)
 * @param targetBurstCapacity {@code target-burst-capacity} (211, at least 0 or exactly -1)
 * @param panicWindowPercentage {@code panic-window-percentage} (10, in [1, 100])
 * @param activatorCapacity {@code activator-capacity} (100, at least 1)
 * @param panicThresholdPercentage {@code panic-threshold-percentage} (200; Knative does not
 *     range-check the ConfigMap value, only the annotation)
 * @param stableWindow {@code stable-window} (60s, in [6s, 1h], whole seconds)
 * @param scaleToZeroGracePeriod {@code scale-to-zero-grace-period} (30s, positive)
 * @param scaleToZeroPodRetentionPeriod {@code scale-to-zero-pod-retention-period} (0s, not
 *     negative)
 * @param scaleDownDelay {@code scale-down-delay} (0s, not negative, whole seconds)
 * @param podAutoscalerClass {@code pod-autoscaler-class} ({@code kpa.autoscaling.knative.dev})
 * @param allowZeroInitialScale {@code allow-zero-initial-scale} (false)
 * @param initialScale {@code initial-scale} (1; 0 only if zero initial scale is allowed)
 * @param minScale {@code min-scale} (0, not negative)
 * @param maxScale {@code max-scale} (0 = unbounded; in [1, max-scale-limit] when a limit is set)
 * @param maxScaleLimit {@code max-scale-limit} (0 = no limit, not negative)
 */
public record AutoscalerConfig(
    boolean enableScaleToZero,
    double containerConcurrencyTargetFraction,
    double containerConcurrencyTargetDefault,
    double targetUtilization,
    double rpsTargetDefault,
    double maxScaleUpRate,
    double maxScaleDownRate,
    double targetBurstCapacity,
    double panicWindowPercentage,
    double activatorCapacity,
    double panicThresholdPercentage,
    Duration stableWindow,
    Duration scaleToZeroGracePeriod,
    Duration scaleToZeroPodRetentionPeriod,
    Duration scaleDownDelay,
    String podAutoscalerClass,
    boolean allowZeroInitialScale,
    int initialScale,
    int minScale,
    int maxScale,
    int maxScaleLimit) {

  /** The ConfigMap's name. */
  public static final String CONFIG_MAP_NAME = "config-autoscaler";

  /** Knative's KPA class. */
  public static final String KPA_CLASS = "kpa.autoscaling.knative.dev";

  /** Knative's HPA class. */
  public static final String HPA_CLASS = "hpa.autoscaling.knative.dev";

  /** Smallest window ({@code autoscaling.WindowMin}). */
  public static final Duration WINDOW_MIN = Duration.ofSeconds(6);

  /** Largest window ({@code autoscaling.WindowMax}). */
  public static final Duration WINDOW_MAX = Duration.ofHours(1);

  /** Smallest target ({@code autoscaling.TargetMin}). */
  public static final double TARGET_MIN = 0.01;

  /** Knative's defaults. */
  public static AutoscalerConfig defaults() {
    return new AutoscalerConfig(
        true,
        0.7,
        100,
        0.7,
        200,
        1000,
        2,
        211,
        10,
        100,
        200,
        Duration.ofSeconds(60),
        Duration.ofSeconds(30),
        Duration.ZERO,
        Duration.ZERO,
        KPA_CLASS,
        false,
        1,
        0,
        0,
        0);
  }

  /**
   * Parses and validates ConfigMap data (Knative's {@code NewConfigFromMap}); absent keys keep the
   * defaults.
   */
  public static AutoscalerConfig fromMap(Map<String, String> data) throws InvalidConfigException {
    AutoscalerConfig d = defaults();
    ConfigParser p = new ConfigParser(data);
    double ccFraction =
        p.asFloat("container-concurrency-target-percentage", d.containerConcurrencyTargetFraction);
    if (ccFraction > 1.0) {
      ccFraction /= 100.0;
    }
    AutoscalerConfig c =
        new AutoscalerConfig(
            p.asBool("enable-scale-to-zero", d.enableScaleToZero),
            ccFraction,
            p.asFloat("container-concurrency-target-default", d.containerConcurrencyTargetDefault),
            d.targetUtilization,
            p.asFloat("requests-per-second-target-default", d.rpsTargetDefault),
            p.asFloat("max-scale-up-rate", d.maxScaleUpRate),
            p.asFloat("max-scale-down-rate", d.maxScaleDownRate),
            p.asFloat("target-burst-capacity", d.targetBurstCapacity),
            p.asFloat("panic-window-percentage", d.panicWindowPercentage),
            p.asFloat("activator-capacity", d.activatorCapacity),
            p.asFloat("panic-threshold-percentage", d.panicThresholdPercentage),
            p.asDuration("stable-window", d.stableWindow),
            p.asDuration("scale-to-zero-grace-period", d.scaleToZeroGracePeriod),
            p.asDuration("scale-to-zero-pod-retention-period", d.scaleToZeroPodRetentionPeriod),
            p.asDuration("scale-down-delay", d.scaleDownDelay),
            data.getOrDefault("pod-autoscaler-class", d.podAutoscalerClass),
            p.asBool("allow-zero-initial-scale", d.allowZeroInitialScale),
            p.asInt("initial-scale", d.initialScale),
            p.asInt("min-scale", d.minScale),
            p.asInt("max-scale", d.maxScale),
            p.asInt("max-scale-limit", d.maxScaleLimit));
    c.validate();
    return c;
  }

  private void validate() throws InvalidConfigException {
    if (scaleToZeroGracePeriod.isNegative() || scaleToZeroGracePeriod.isZero()) {
      throw bad(
          "scale-to-zero-grace-period",
          "must be positive, was: " + GoDurations.format(scaleToZeroGracePeriod));
    }
    if (scaleDownDelay.isNegative()) {
      throw bad(
          "scale-down-delay", "cannot be negative, was: " + GoDurations.format(scaleDownDelay));
    }
    if (scaleDownDelay.getNano() != 0) {
      throw bad(
          "scale-down-delay",
          "= "
              + GoDurations.format(scaleDownDelay)
              + ", must be specified with at most second precision");
    }
    if (scaleToZeroPodRetentionPeriod.isNegative()) {
      throw bad(
          "scale-to-zero-pod-retention-period",
          "cannot be negative, was: " + GoDurations.format(scaleToZeroPodRetentionPeriod));
    }
    if (targetBurstCapacity < 0 && targetBurstCapacity != -1) {
      throw bad(
          "target-burst-capacity",
          "must be either non-negative or -1 (for unlimited), was: " + targetBurstCapacity);
    }
    if (containerConcurrencyTargetFraction <= 0 || containerConcurrencyTargetFraction > 1) {
      throw bad(
          "container-concurrency-target-percentage",
          "= " + containerConcurrencyTargetFraction + " is outside of valid range of (0, 100]");
    }
    double cc = containerConcurrencyTargetFraction * containerConcurrencyTargetDefault;
    if (cc < TARGET_MIN) {
      throw bad(
          "container-concurrency-target-default",
          "container-concurrency-target-percentage and "
              + "container-concurrency-target-default yield target concurrency of "
              + cc
              + ", can't be less than "
              + TARGET_MIN);
    }
    if (rpsTargetDefault < TARGET_MIN) {
      throw bad(
          "requests-per-second-target-default",
          "must be at least " + TARGET_MIN + ", was: " + rpsTargetDefault);
    }
    if (activatorCapacity < 1) {
      throw bad("activator-capacity", "= " + activatorCapacity + ", must be at least 1");
    }
    if (maxScaleUpRate <= 1.0) {
      throw bad("max-scale-up-rate", "= " + maxScaleUpRate + ", must be greater than 1.0");
    }
    if (maxScaleDownRate <= 1.0) {
      throw bad("max-scale-down-rate", "= " + maxScaleDownRate + ", must be greater than 1.0");
    }
    if (stableWindow.compareTo(WINDOW_MIN) < 0 || stableWindow.compareTo(WINDOW_MAX) > 0) {
      throw bad(
          "stable-window",
          "= " + GoDurations.format(stableWindow) + ", must be in [6s; 1h0m0s] range");
    }
    if (stableWindow.getNano() != 0) {
      throw bad(
          "stable-window",
          "= "
              + GoDurations.format(stableWindow)
              + ", must be specified with at most second precision");
    }
    if (panicWindowPercentage < 1 || panicWindowPercentage > 100) {
      throw bad(
          "panic-window-percentage",
          "= " + panicWindowPercentage + ", must be in [1, 100] interval");
    }
    if (initialScale < 0 || (initialScale == 0 && !allowZeroInitialScale)) {
      throw bad(
          "initial-scale",
          "= "
              + initialScale
              + ", must be at least 0 (or at least 1 when allow-zero-initial-scale is false)");
    }
    if (minScale < 0) {
      throw bad("min-scale", "= " + minScale + ", must be at least 0");
    }
    int minMaxScale = maxScaleLimit > 0 ? 1 : 0;
    if (maxScale < minMaxScale || (maxScaleLimit > 0 && maxScale > maxScaleLimit)) {
      throw bad(
          "max-scale",
          "= "
              + maxScale
              + ", must be in ["
              + minMaxScale
              + ", max-scale-limit("
              + maxScaleLimit
              + ")] range");
    }
    if (maxScaleLimit < 0) {
      throw bad("max-scale-limit", "= " + maxScaleLimit + ", must be at least 0");
    }
    if (minScale > maxScale && maxScale > 0) {
      throw bad(
          "min-scale",
          "min-scale (" + minScale + ") must be less than max-scale (" + maxScale + ")");
    }
  }

  private static InvalidConfigException bad(String key, String message) {
    return new InvalidConfigException(key, message.startsWith(key) ? message : key + " " + message);
  }

  /** ConfigMap value parsing with Go's syntax ({@code strconv} and {@code time.ParseDuration}). */
  static final class ConfigParser {
    private final Map<String, String> data;

    ConfigParser(Map<String, String> data) {
      this.data = data == null ? Map.of() : data;
    }

    boolean asBool(String key, boolean dflt) throws InvalidConfigException {
      String v = data.get(key);
      if (v == null) {
        return dflt;
      }
      return switch (v) {
        case "1", "t", "T", "TRUE", "true", "True" -> true;
        case "0", "f", "F", "FALSE", "false", "False" -> false;
        default ->
            throw new InvalidConfigException(
                key, "failed to parse \"" + key + "\": invalid boolean \"" + v + "\"");
      };
    }

    double asFloat(String key, double dflt) throws InvalidConfigException {
      String v = data.get(key);
      return v == null ? dflt : parseFloat(key, v);
    }

    int asInt(String key, int dflt) throws InvalidConfigException {
      String v = data.get(key);
      return v == null ? dflt : parseInt(key, v);
    }

    Duration asDuration(String key, Duration dflt) throws InvalidConfigException {
      String v = data.get(key);
      return v == null ? dflt : parseDuration(key, v);
    }

    static double parseFloat(String key, String v) throws InvalidConfigException {
      if (v.isEmpty() || !v.matches("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?")) {
        throw new InvalidConfigException(
            key, "failed to parse \"" + key + "\": invalid number \"" + v + "\"");
      }
      return Double.parseDouble(v);
    }

    static int parseInt(String key, String v) throws InvalidConfigException {
      try {
        return Integer.parseInt(v);
      } catch (NumberFormatException e) {
        throw new InvalidConfigException(
            key, "failed to parse \"" + key + "\": invalid 32-bit integer \"" + v + "\"");
      }
    }

    static Duration parseDuration(String key, String v) throws InvalidConfigException {
      try {
        return GoDurations.parse(v);
      } catch (IllegalArgumentException e) {
        throw new InvalidConfigException(key, "failed to parse \"" + key + "\": " + e.getMessage());
      }
    }
  }
}
