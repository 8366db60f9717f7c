package io.kubedirect.examples.knative.autoscaler.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubedirect.examples.knative.autoscaler.metrics.MetricSpec;
import io.kubedirect.examples.knative.autoscaler.scaling.DeciderSpec;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * config-autoscaler parsing and validation, the store, and the resolution of revision annotations.
 */
class KpaConfigTest {

  @Test
  void defaultsAreKnatives() throws Exception {
    AutoscalerConfig c = AutoscalerConfig.fromMap(Map.of());
    assertThat(c).isEqualTo(AutoscalerConfig.defaults());
    assertThat(c.maxScaleUpRate()).isEqualTo(1000);
    assertThat(c.targetBurstCapacity()).isEqualTo(211);
    assertThat(c.stableWindow()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.scaleToZeroGracePeriod()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void percentagesAboveOneAreDividedBy100() throws Exception {
    assertThat(
            AutoscalerConfig.fromMap(Map.of("container-concurrency-target-percentage", "70"))
                .containerConcurrencyTargetFraction())
        .isEqualTo(0.7);
  }

  @Test
  void invalidValuesNameTheKeyAndTheRange() {
    assertThatThrownBy(() -> AutoscalerConfig.fromMap(Map.of("stable-window", "5s")))
        .isInstanceOfSatisfying(
            InvalidConfigException.class,
            e -> {
              assertThat(e.key()).isEqualTo("stable-window");
              assertThat(e.getMessage()).contains("stable-window", "[6s; 1h0m0s]");
            });
    assertThatThrownBy(() -> AutoscalerConfig.fromMap(Map.of("max-scale-down-rate", "1")))
        .hasMessageContaining("max-scale-down-rate")
        .hasMessageContaining("greater than 1.0");
    assertThatThrownBy(() -> AutoscalerConfig.fromMap(Map.of("target-burst-capacity", "-2")))
        .hasMessageContaining("target-burst-capacity")
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> AutoscalerConfig.fromMap(Map.of("panic-window-percentage", "101")))
        .hasMessageContaining("[1, 100]");
    assertThatThrownBy(() -> AutoscalerConfig.fromMap(Map.of("initial-scale", "0")))
        .hasMessageContaining("initial-scale");
    assertThatThrownBy(() -> AutoscalerConfig.fromMap(Map.of("enable-scale-to-zero", "yes")))
        .hasMessageContaining("enable-scale-to-zero");
    assertThatThrownBy(
            () -> AutoscalerConfig.fromMap(Map.of("max-scale", "5", "max-scale-limit", "3")))
        .hasMessageContaining("max-scale-limit(3)");
  }

  @Test
  void storeKeepsThePreviousConfigOnError() throws Exception {
    AutoscalerConfigStore store = new AutoscalerConfigStore();
    store.update(Map.of("max-scale-up-rate", "12"));
    assertThatThrownBy(() -> store.update(Map.of("max-scale-up-rate", "0.5")))
        .isInstanceOf(InvalidConfigException.class);
    assertThat(store.current().maxScaleUpRate()).isEqualTo(12);
  }

  @Test
  void annotationsResolveLikeMakeDeciderAndMakeMetric() {
    AutoscalerConfig c = AutoscalerConfig.defaults();
    DeciderSpec cc0 = new RevisionAutoscaling(Map.of(), 0, Reachability.UNKNOWN).deciderSpec(c);
    assertThat(cc0.targetValue()).isEqualTo(70);
    assertThat(cc0.totalValue()).isEqualTo(100);
    assertThat(cc0.panicThreshold()).isEqualTo(2.0);
    assertThat(cc0.reachable()).isTrue();
    DeciderSpec cc1 = new RevisionAutoscaling(Map.of(), 1, Reachability.UNREACHABLE).deciderSpec(c);
    assertThat(cc1.targetValue()).isEqualTo(0.7);
    assertThat(cc1.reachable()).isFalse();
    DeciderSpec rps =
        new RevisionAutoscaling(Map.of(RevisionAutoscaling.METRIC, "rps"), 0, Reachability.UNKNOWN)
            .deciderSpec(c);
    assertThat(rps.targetValue()).isEqualTo(140.0, org.assertj.core.api.Assertions.within(1e-9));
    DeciderSpec capped =
        new RevisionAutoscaling(
                Map.of(
                    RevisionAutoscaling.TARGET,
                    "50",
                    RevisionAutoscaling.TARGET_UTILIZATION_PERCENTAGE,
                    "50"),
                10,
                Reachability.UNKNOWN)
            .deciderSpec(c);
    assertThat(capped.totalValue()).isEqualTo(10);
    assertThat(capped.targetValue()).isEqualTo(5);

    // Panic windows (MakeMetric): 60s*10% = 6s; 10s*10% -> 1s; 60s*51% = 30.6s -> 31s.
    assertThat(panic(c, "60s", "10")).isEqualTo(Duration.ofSeconds(6));
    assertThat(panic(c, "10s", "10")).isEqualTo(Duration.ofSeconds(1));
    assertThat(panic(c, "60s", "51")).isEqualTo(Duration.ofSeconds(31));
    MetricSpec unlimited =
        new RevisionAutoscaling(
                Map.of(RevisionAutoscaling.TARGET_BURST_CAPACITY, "-1"), 0, Reachability.UNKNOWN)
            .metricSpec(c);
    assertThat(unlimited.hasScrapeTarget()).isFalse();
  }

  private static Duration panic(AutoscalerConfig c, String window, String pct) {
    return new RevisionAutoscaling(
            Map.of(
                RevisionAutoscaling.WINDOW,
                window,
                RevisionAutoscaling.PANIC_WINDOW_PERCENTAGE,
                pct),
            0,
            Reachability.UNKNOWN)
        .panicWindow(c);
  }

  @Test
  void annotationValidationNamesKeyAndRange() {
    AutoscalerConfig c = AutoscalerConfig.defaults();
    assertThatThrownBy(
            () ->
                RevisionAutoscaling.validate(
                    c, Map.of(RevisionAutoscaling.PANIC_THRESHOLD_PERCENTAGE, "100")))
        .hasMessageContaining("110 <= 100 <= 1000")
        .hasMessageContaining("panic-threshold-percentage");
    assertThatThrownBy(
            () -> RevisionAutoscaling.validate(c, Map.of(RevisionAutoscaling.WINDOW, "2s")))
        .hasMessageContaining("6s <= 2s <= 1h0m0s");
    assertThatThrownBy(
            () ->
                RevisionAutoscaling.validate(
                    c,
                    Map.of(RevisionAutoscaling.MIN_SCALE, "3", RevisionAutoscaling.MAX_SCALE, "2")))
        .hasMessageContaining("max-scale=2 is less than min-scale=3");
    assertThatThrownBy(
            () ->
                RevisionAutoscaling.validate(c, Map.of(RevisionAutoscaling.ACTIVATION_SCALE, "1")))
        .hasMessageContaining("must be greater than 1");
    assertThatThrownBy(
            () -> RevisionAutoscaling.validate(c, Map.of(RevisionAutoscaling.METRIC, "cpu")))
        .hasMessageContaining("autoscaling.knative.dev/metric");
    assertThatThrownBy(
            () -> RevisionAutoscaling.validate(c, Map.of(RevisionAutoscaling.INITIAL_SCALE, "0")))
        .hasMessageContaining("not allowed by cluster");
  }

  @Test
  void goDurations() {
    assertThat(GoDurations.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(GoDurations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(GoDurations.parse("0")).isEqualTo(Duration.ZERO);
    assertThat(GoDurations.format(Duration.ofMinutes(5))).isEqualTo("5m0s");
    assertThatThrownBy(() -> GoDurations.parse("60")).isInstanceOf(IllegalArgumentException.class);
  }
}
