package io.kubedirect.examples.knative.autoscaler.scaling;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.examples.knative.autoscaler.MutableClock;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.config.AutoscalerConfig;
import io.kubedirect.examples.knative.autoscaler.config.Reachability;
import io.kubedirect.examples.knative.autoscaler.config.RevisionAutoscaling;
import io.kubedirect.examples.knative.autoscaler.metrics.MetricCollector;
import io.kubedirect.examples.knative.autoscaler.metrics.Stat;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The multiscaler with a virtual clock: initial status, poke on a cold start, ticks, listener,
 * scale to zero.
 */
class KpaMultiscalerTest {

  private static final RevisionKey KEY = new RevisionKey("default", "fn");

  private final MutableClock clock = new MutableClock(Instant.ofEpochSecond(1_700_000_000L));
  private final AtomicInteger ready = new AtomicInteger();
  private final Multiscaler multiscaler =
      new Multiscaler(new MetricCollector(), k -> ready::get, clock);
  private final List<DeciderStatus> changes = new ArrayList<>();

  @Test
  void coldStartIsDecidedOnTheFirstActivatorStatWithoutATick() {
    AutoscalerConfig config = AutoscalerConfig.defaults();
    RevisionAutoscaling rev =
        new RevisionAutoscaling(
            Map.of(RevisionAutoscaling.INITIAL_SCALE, "0"), 0, Reachability.REACHABLE);
    multiscaler.addListener((k, s) -> changes.add(s));
    DeciderStatus initial = multiscaler.watch(KEY, rev.deciderSpec(config), rev.metricSpec(config));
    // Knative: desired -1, EBC = int32(initialScale * total - tbc) = int32(1 * 100 - 211).
    assertThat(initial).isEqualTo(new DeciderStatus(-1, -111));

    // The first tick with no data: the stable window is empty and there is a scrape target ->
    // invalid, no change.
    clock.advance(Duration.ofSeconds(2));
    multiscaler.tick();
    assertThat(changes).isEmpty();

    // An activator-side stat of 0 would not poke (desired is -1, not 0): Knative's edge case.
    // Scale-to-zero state: pretend a previous decision was 0 by ticking on a zero stat.
    multiscaler.record(KEY, Stat.of("activator", 0, 0));
    multiscaler.tick();
    assertThat(multiscaler.status(KEY)).hasValue(new DeciderStatus(0, -211));

    // The first request at zero: the activator sends {1, 1} at once; the poke decides without
    // waiting for a tick.
    clock.advance(Duration.ofMillis(300));
    multiscaler.record(KEY, Stat.of("activator", 1, 1));
    assertThat(multiscaler.status(KEY).orElseThrow().desiredScale()).isEqualTo(1);
    assertThat(changes).extracting(DeciderStatus::desiredScale).containsExactly(0, 1);
  }

  @Test
  void revisionTotalsFromSandboxesAndActivatorAddUpAndProxiedTrafficCountsOnce() {
    AutoscalerConfig config = AutoscalerConfig.defaults();
    RevisionAutoscaling rev =
        new RevisionAutoscaling(
            Map.of(
                RevisionAutoscaling.TARGET,
                "10",
                RevisionAutoscaling.TARGET_UTILIZATION_PERCENTAGE,
                "100"),
            0,
            Reachability.REACHABLE);
    multiscaler.watch(KEY, rev.deciderSpec(config), rev.metricSpec(config));
    ready.set(2);
    // Two sandboxes report 30 each, 10 of which came through the activator; the activator reports
    // its 20.
    multiscaler.record(KEY, new Stat("pod-a", 30, 10, 30, 10));
    multiscaler.record(KEY, new Stat("pod-b", 30, 10, 30, 10));
    multiscaler.record(KEY, Stat.of("activator", 20, 20));
    ScaleResult r = multiscaler.tick(KEY);
    // Total 60 concurrency (not 80): ceil(60 / 10) = 6 pods; 6 / 2 >= 2 -> panic.
    assertThat(r.desiredPodCount()).isEqualTo(6);
  }

  @Test
  void scalesToZeroAboutAStableWindowAfterTheLastRequest() {
    AutoscalerConfig config = AutoscalerConfig.defaults();
    RevisionAutoscaling rev = new RevisionAutoscaling(Map.of(), 0, Reachability.REACHABLE);
    multiscaler.watch(KEY, rev.deciderSpec(config), rev.metricSpec(config));
    ready.set(1);
    multiscaler.record(KEY, Stat.of("pod", 5, 5));
    multiscaler.tick();
    assertThat(multiscaler.status(KEY).orElseThrow().desiredScale()).isEqualTo(1);
    int seconds = 0;
    while (multiscaler.status(KEY).orElseThrow().desiredScale() != 0 && seconds < 120) {
      clock.advance(Duration.ofSeconds(1));
      seconds++;
      multiscaler.record(
          KEY, Stat.of("pod", 0, 0)); // the sandbox keeps reporting zeros every second
      if (seconds % 2 == 0) {
        multiscaler.tick();
      }
    }
    // The stable average reaches exactly 0 once the 5 has left the 60 s window.
    assertThat(seconds).isEqualTo(60);
  }
}
