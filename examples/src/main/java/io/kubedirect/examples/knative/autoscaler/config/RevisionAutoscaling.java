package io.kubedirect.examples.knative.autoscaler.config;

import io.kubedirect.examples.knative.autoscaler.metrics.MetricSpec;
import io.kubedirect.examples.knative.autoscaler.scaling.DeciderSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A revision's autoscaling inputs: its {@code autoscaling.knative.dev/*} annotations, its container
 * concurrency and its reachability, resolved against {@code config-autoscaler} the way Knative's
 * PodAutoscaler accessors and the KPA resources ({@code MakeDecider}, {@code ResolveMetricTarget},
 * {@code MakeMetric}, {@code ScaleBounds}, {@code GetInitialScale}) do. As in Knative, an
 * annotation that does not parse is treated as absent here; use {@link #validate} (Knative's
 * admission webhook) to reject it.
 */
public final class RevisionAutoscaling {

  private static final String PREFIX = "autoscaling.knative.dev/";

  /** {@code autoscaling.knative.dev/class}. */
  public static final String CLASS = PREFIX + "class";

  /** {@code autoscaling.knative.dev/min-scale}. */
  public static final String MIN_SCALE = PREFIX + "min-scale";

  /** {@code autoscaling.knative.dev/max-scale}. */
  public static final String MAX_SCALE = PREFIX + "max-scale";

  /** {@code autoscaling.knative.dev/initial-scale}. */
  public static final String INITIAL_SCALE = PREFIX + "initial-scale";

  /** {@code autoscaling.knative.dev/activation-scale}. */
  public static final String ACTIVATION_SCALE = PREFIX + "activation-scale";

  /** {@code autoscaling.knative.dev/scale-down-delay}. */
  public static final String SCALE_DOWN_DELAY = PREFIX + "scale-down-delay";

  /** {@code autoscaling.knative.dev/metric}. */
  public static final String METRIC = PREFIX + "metric";

  /** {@code autoscaling.knative.dev/target}. */
  public static final String TARGET = PREFIX + "target";

  /** {@code autoscaling.knative.dev/target-utilization-percentage}. */
  public static final String TARGET_UTILIZATION_PERCENTAGE =
      PREFIX + "target-utilization-percentage";

  /** {@code autoscaling.knative.dev/target-burst-capacity}. */
  public static final String TARGET_BURST_CAPACITY = PREFIX + "target-burst-capacity";

  /** {@code autoscaling.knative.dev/window}. */
  public static final String WINDOW = PREFIX + "window";

  /** {@code autoscaling.knative.dev/panic-window-percentage}. */
  public static final String PANIC_WINDOW_PERCENTAGE = PREFIX + "panic-window-percentage";

  /** {@code autoscaling.knative.dev/panic-threshold-percentage}. */
  public static final String PANIC_THRESHOLD_PERCENTAGE = PREFIX + "panic-threshold-percentage";

  /** {@code autoscaling.knative.dev/scale-to-zero-pod-retention-period}. */
  public static final String SCALE_TO_ZERO_POD_RETENTION_PERIOD =
      PREFIX + "scale-to-zero-pod-retention-period";

  /** {@code autoscaling.knative.dev/metric-aggregation-algorithm}. */
  public static final String METRIC_AGGREGATION_ALGORITHM = PREFIX + "metric-aggregation-algorithm";

  /** {@code serving.knative.dev/progress-deadline}: bounds how long activation may take. */
  public static final String PROGRESS_DEADLINE = "serving.knative.dev/progress-deadline";

  private final Map<String, String> annotations;
  private final int containerConcurrency;
  private final Reachability reachability;

  /** Inputs of one revision; {@code containerConcurrency} 0 means unlimited. */
  public RevisionAutoscaling(
      Map<String, String> annotations, int containerConcurrency, Reachability reachability) {
    this.annotations = Map.copyOf(Objects.requireNonNull(annotations, "annotations"));
    if (containerConcurrency < 0) {
      throw new IllegalArgumentException("containerConcurrency must not be negative");
    }
    this.containerConcurrency = containerConcurrency;
    this.reachability = Objects.requireNonNull(reachability, "reachability");
  }

  /** The annotations. */
  public Map<String, String> annotations() {
    return annotations;
  }

  /** The reachability. */
  public Reachability reachability() {
    return reachability;
  }

  // ---- accessors (Knative's PodAutoscaler annotation getters) ----

  /** The scaling metric: the annotation, or {@code concurrency}. */
  public String metric() {
    return annotations.getOrDefault(METRIC, DeciderSpec.CONCURRENCY);
  }

  private Optional<Double> float64(String key) {
    String v = annotations.get(key);
    if (v == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(AutoscalerConfig.ConfigParser.parseFloat(key, v));
    } catch (InvalidConfigException e) {
      return Optional.empty();
    }
  }

  private Optional<Integer> int32(String key) {
    String v = annotations.get(key);
    if (v == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Integer.parseInt(v));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private Optional<Duration> duration(String key) {
    String v = annotations.get(key);
    if (v == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(GoDurations.parse(v));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** The stable window: the annotation, or the configured one. */
  public Duration stableWindow(AutoscalerConfig c) {
    return duration(WINDOW).orElse(c.stableWindow());
  }

  /** The panic window: {@code round(stable * percentage / 100)} to whole seconds, at least 1 s. */
  public Duration panicWindow(AutoscalerConfig c) {
    double pct = float64(PANIC_WINDOW_PERCENTAGE).orElse(c.panicWindowPercentage());
    long ns = (long) ((double) stableWindow(c).toNanos() * pct / 100.0);
    long second = 1_000_000_000L;
    long r = ns % second;
    long rounded =
        r + r < second ? ns - r : ns + second - r; // Go's Duration.Round (half away from zero)
    return Duration.ofNanos(Math.max(rounded, second));
  }

  /** The target burst capacity: the annotation, or the configured one. */
  public double targetBurstCapacity(AutoscalerConfig c) {
    return float64(TARGET_BURST_CAPACITY).orElse(c.targetBurstCapacity());
  }

  /**
   * Knative's {@code GetInitialScale}: the annotation if present and (non-zero or zero is allowed),
   * else the config.
   */
  public int initialScale(AutoscalerConfig c) {
    Optional<Integer> a = int32(INITIAL_SCALE);
    if (a.isEmpty() || (a.get() == 0 && !c.allowZeroInitialScale())) {
      return c.initialScale();
    }
    return a.get();
  }

  /** Knative's {@code ScaleBounds}: min (ignored, 0, when unreachable) and max (0 = unbounded). */
  public ScaleBounds scaleBounds(AutoscalerConfig c) {
    int min = 0;
    if (reachability != Reachability.UNREACHABLE) {
      min = int32(MIN_SCALE).orElse(c.minScale());
    }
    return new ScaleBounds(min, int32(MAX_SCALE).orElse(c.maxScale()));
  }

  /** Min and max scale; 0 means unbounded. */
  public record ScaleBounds(int min, int max) {}

  /**
   * Knative's {@code lastPodRetention}: 0 when unreachable, else the annotation or the configured
   * period.
   */
  public Duration scaleToZeroPodRetention(AutoscalerConfig c) {
    if (reachability == Reachability.UNREACHABLE) {
      return Duration.ZERO;
    }
    return duration(SCALE_TO_ZERO_POD_RETENTION_PERIOD).orElse(c.scaleToZeroPodRetentionPeriod());
  }

  /** The {@code serving.knative.dev/progress-deadline} annotation, if present and valid. */
  public Optional<Duration> progressDeadline() {
    return duration(PROGRESS_DEADLINE);
  }

  /** Knative's {@code ResolveMetricTarget}: (target per pod, total per pod). */
  public double[] resolveMetricTarget(AutoscalerConfig c) {
    double total;
    double tu;
    if (DeciderSpec.RPS.equals(metric())) {
      total = c.rpsTargetDefault();
      tu = c.targetUtilization();
    } else {
      total = containerConcurrency;
      if (total == 0) {
        total = c.containerConcurrencyTargetDefault();
      }
      tu = c.containerConcurrencyTargetFraction();
    }
    Optional<Double> target = float64(TARGET);
    if (target.isPresent()) {
      total = target.get();
      if (DeciderSpec.CONCURRENCY.equals(metric()) && containerConcurrency != 0) {
        total = Math.min(target.get(), (double) containerConcurrency);
      }
    }
    Optional<Double> util = float64(TARGET_UTILIZATION_PERCENTAGE);
    if (util.isPresent()) {
      tu = util.get() / 100;
    }
    return new double[] {Math.max(AutoscalerConfig.TARGET_MIN, total * tu), total};
  }

  /** Knative's {@code MakeDecider}: the decider spec for this revision. */
  public DeciderSpec deciderSpec(AutoscalerConfig c) {
    double[] targetTotal = resolveMetricTarget(c);
    return DeciderSpec.builder()
        .maxScaleUpRate(c.maxScaleUpRate())
        .maxScaleDownRate(c.maxScaleDownRate())
        .scalingMetric(metric())
        .targetValue(targetTotal[0])
        .totalValue(targetTotal[1])
        .targetBurstCapacity(targetBurstCapacity(c))
        .activatorCapacity(c.activatorCapacity())
        .panicThreshold(
            float64(PANIC_THRESHOLD_PERCENTAGE).orElse(c.panicThresholdPercentage()) / 100.0)
        .stableWindow(stableWindow(c))
        .scaleDownDelay(duration(SCALE_DOWN_DELAY).orElse(c.scaleDownDelay()))
        .initialScale(initialScale(c))
        .reachable(reachability != Reachability.UNREACHABLE)
        .activationScale(int32(ACTIVATION_SCALE).orElse(0))
        .build();
  }

  /**
   * Knative's {@code MakeMetric}: windows, aggregation and whether there is a scrape target (TBC !=
   * -1).
   */
  public MetricSpec metricSpec(AutoscalerConfig c) {
    String algorithm = annotations.getOrDefault(METRIC_AGGREGATION_ALGORITHM, "");
    MetricSpec.Aggregation aggregation =
        algorithm.equals("weighted-exponential") || algorithm.equals("weightedExponential")
            ? MetricSpec.Aggregation.WEIGHTED_EXPONENTIAL
            : MetricSpec.Aggregation.LINEAR;
    return new MetricSpec(
        stableWindow(c), panicWindow(c), aggregation, targetBurstCapacity(c) != -1);
  }

  // ---- validation (Knative's ValidateAnnotations) ----

  /**
   * Validates the annotations against {@code c} like Knative's webhook; throws an exception naming
   * every bad key and its allowed range ({@link InvalidConfigException#key()} is the first one).
   */
  public static void validate(AutoscalerConfig c, Map<String, String> anns)
      throws InvalidConfigException {
    List<String[]> errors = new ArrayList<>();
    validateInto(c, anns, errors);
    if (!errors.isEmpty()) {
      StringBuilder msg = new StringBuilder();
      for (String[] e : errors) {
        if (msg.length() > 0) {
          msg.append("; ");
        }
        msg.append(e[1]);
      }
      throw new InvalidConfigException(errors.get(0)[0], msg.toString());
    }
  }

  private static void validateInto(AutoscalerConfig c, Map<String, String> m, List<String[]> errs) {
    String cls = m.get(CLASS);
    if (cls != null
        && cls.endsWith(".knative.dev")
        && !cls.equals(AutoscalerConfig.KPA_CLASS)
        && !cls.equals(AutoscalerConfig.HPA_CLASS)) {
      errs.add(invalid(CLASS, cls));
    }
    // min/max/activation scale
    int min = intGe0(m, MIN_SCALE, errs);
    int max = intGe0(m, MAX_SCALE, errs);
    if (max != 0 && max < min) {
      errs.add(
          new String[] {
            MAX_SCALE,
            "max-scale="
                + max
                + " is less than min-scale="
                + min
                + ": "
                + MAX_SCALE
                + ", "
                + MIN_SCALE
          });
    }
    if (m.containsKey(MAX_SCALE) && c.maxScaleLimit() != 0) {
      if (max > c.maxScaleLimit()) {
        errs.add(
            outOfBounds(MAX_SCALE, String.valueOf(max), "1", String.valueOf(c.maxScaleLimit())));
      }
      if (max == 0) {
        errs.add(
            new String[] {
              MAX_SCALE,
              "max-scale=0 (unlimited), must be less than " + c.maxScaleLimit() + ": " + MAX_SCALE
            });
      }
    }
    String act = m.get(ACTIVATION_SCALE);
    if (act != null) {
      long nz;
      try {
        nz = Integer.parseInt(act);
        if (min > nz) {
          errs.add(
              new String[] {
                ACTIVATION_SCALE,
                "min-scale="
                    + min
                    + " is greater than activation-scale="
                    + nz
                    + ": "
                    + ACTIVATION_SCALE
              });
        } else if (max < nz && max != 0) {
          errs.add(
              new String[] {
                ACTIVATION_SCALE,
                "max-scale="
                    + max
                    + " is less than activation-scale="
                    + nz
                    + ": "
                    + ACTIVATION_SCALE
              });
        } else if (nz < 2) {
          errs.add(
              new String[] {
                ACTIVATION_SCALE,
                "activation-scale=" + nz + " must be greater than 1: " + ACTIVATION_SCALE
              });
        }
      } catch (NumberFormatException e) {
        errs.add(invalid(ACTIVATION_SCALE, act));
      }
    }
    // floats
    floatInRange(m, PANIC_WINDOW_PERCENTAGE, 1, 100, errs);
    floatInRange(m, PANIC_THRESHOLD_PERCENTAGE, 110, 1000, errs);
    String target = m.get(TARGET);
    if (target != null) {
      Double v = parseOrNull(target);
      if (v == null) {
        errs.add(invalid(TARGET, target));
      } else if (v < AutoscalerConfig.TARGET_MIN) {
        errs.add(new String[] {TARGET, "target " + target + " should be at least 0.01: " + TARGET});
      }
    }
    floatInRange(m, TARGET_UTILIZATION_PERCENTAGE, 1, 100, errs);
    String tbc = m.get(TARGET_BURST_CAPACITY);
    if (tbc != null) {
      Double v = parseOrNull(tbc);
      if (v == null || (v < 0 && v != -1)) {
        errs.add(
            new String[] {
              TARGET_BURST_CAPACITY,
              "invalid value: "
                  + tbc
                  + ": "
                  + TARGET_BURST_CAPACITY
                  + " (must be at least 0, or -1 for unlimited)"
            });
      }
    }
    // durations
    String w = m.get(WINDOW);
    if (w != null) {
      Duration d = durationOrNull(w);
      if (d == null) {
        errs.add(invalid(WINDOW, w));
      } else if (d.compareTo(AutoscalerConfig.WINDOW_MIN) < 0
          || d.compareTo(AutoscalerConfig.WINDOW_MAX) > 0) {
        errs.add(outOfBounds(WINDOW, w, "6s", "1h0m0s"));
      } else if (d.getNano() != 0) {
        errs.add(
            new String[] {WINDOW, "must be specified with at most second precision: " + WINDOW});
      }
    }
    String retention = m.get(SCALE_TO_ZERO_POD_RETENTION_PERIOD);
    if (retention != null) {
      Duration d = durationOrNull(retention);
      if (d == null) {
        errs.add(invalid(SCALE_TO_ZERO_POD_RETENTION_PERIOD, retention));
      } else if (d.isNegative() || d.compareTo(AutoscalerConfig.WINDOW_MAX) > 0) {
        errs.add(outOfBounds(SCALE_TO_ZERO_POD_RETENTION_PERIOD, retention, "0s", "1h0m0s"));
      }
    }
    String delay = m.get(SCALE_DOWN_DELAY);
    if (delay != null) {
      Duration d = durationOrNull(delay);
      if (d == null) {
        errs.add(invalid(SCALE_DOWN_DELAY, delay));
      } else if (d.isNegative() || d.compareTo(AutoscalerConfig.WINDOW_MAX) > 0) {
        errs.add(outOfBounds(SCALE_DOWN_DELAY, delay, "0s", "1h0m0s"));
      } else if (d.getNano() != 0) {
        errs.add(
            new String[] {
              SCALE_DOWN_DELAY,
              "must be specified with at most second precision: " + SCALE_DOWN_DELAY
            });
      }
    }
    // metric (for the KPA class: concurrency or rps)
    String metric = m.get(METRIC);
    if (metric != null) {
      String klass = m.getOrDefault(CLASS, c.podAutoscalerClass());
      boolean ok =
          switch (klass) {
            case AutoscalerConfig.KPA_CLASS ->
                metric.equals(DeciderSpec.CONCURRENCY) || metric.equals(DeciderSpec.RPS);
            case AutoscalerConfig.HPA_CLASS -> !metric.isEmpty();
            default -> true;
          };
      if (!ok) {
        errs.add(
            new String[] {
              METRIC, "invalid value: " + metric + ": " + METRIC + " (must be concurrency or rps)"
            });
      }
    }
    // aggregation algorithm (KPA class only)
    String alg = m.getOrDefault(METRIC_AGGREGATION_ALGORITHM, "");
    if (AutoscalerConfig.KPA_CLASS.equals(m.get(CLASS))
        && !alg.isEmpty()
        && !alg.equals("linear")
        && !alg.equals("weighted-exponential")
        && !alg.equals("weightedExponential")) {
      errs.add(
          new String[] {
            METRIC_AGGREGATION_ALGORITHM,
            "invalid value: "
                + alg
                + ": "
                + METRIC_AGGREGATION_ALGORITHM
                + " (must be linear or weighted-exponential)"
          });
    }
    // initial scale
    String init = m.get(INITIAL_SCALE);
    if (init != null) {
      try {
        int v = Integer.parseInt(init);
        if (v < 0) {
          errs.add(
              new String[] {
                INITIAL_SCALE,
                "invalid value: " + init + ": " + INITIAL_SCALE + " must be greater than 0"
              });
        } else if (v == 0 && !c.allowZeroInitialScale()) {
          errs.add(
              new String[] {
                INITIAL_SCALE,
                "invalid value: " + init + ": " + INITIAL_SCALE + "=0 not allowed by cluster"
              });
        }
      } catch (NumberFormatException e) {
        errs.add(invalid(INITIAL_SCALE, init));
      }
    }
  }

  private static int intGe0(Map<String, String> m, String key, List<String[]> errs) {
    String v = m.get(key);
    if (v == null) {
      return 0;
    }
    long i;
    try {
      i = Long.parseLong(v);
    } catch (NumberFormatException e) {
      errs.add(invalid(key, v));
      return 0;
    }
    if (i < 0 || i > Integer.MAX_VALUE) {
      errs.add(outOfBounds(key, v, "0", String.valueOf(Integer.MAX_VALUE)));
      return 0;
    }
    return (int) i;
  }

  private static void floatInRange(
      Map<String, String> m, String key, double lo, double hi, List<String[]> errs) {
    String v = m.get(key);
    if (v == null) {
      return;
    }
    Double f = parseOrNull(v);
    if (f == null) {
      errs.add(invalid(key, v));
    } else if (f < lo || f > hi) {
      errs.add(outOfBounds(key, v, fmt(lo), fmt(hi)));
    }
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
  }

  private static Double parseOrNull(String v) {
    try {
      return AutoscalerConfig.ConfigParser.parseFloat("", v);
    } catch (InvalidConfigException e) {
      return null;
    }
  }

  private static Duration durationOrNull(String v) {
    try {
      return GoDurations.parse(v);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String[] invalid(String key, String value) {
    return new String[] {key, "invalid value: " + value + ": " + key};
  }

  private static String[] outOfBounds(String key, String value, String lo, String hi) {
    return new String[] {key, "expected " + lo + " <= " + value + " <= " + hi + ": " + key};
  }
}
