package io.kubedirect.examples.knative.autoscaler.kpa;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.examples.knative.autoscaler.MutableClock;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.config.AutoscalerConfig;
import io.kubedirect.examples.knative.autoscaler.config.Reachability;
import io.kubedirect.examples.knative.autoscaler.config.RevisionAutoscaling;
import io.kubedirect.examples.knative.autoscaler.scaling.DeciderSpec;
import io.kubedirect.examples.knative.autoscaler.scaling.DeciderStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The scale-to-zero state machine over virtual time: active -> hold 1 pod -> inactive -> grace -> 0
 * -> activating.
 */
class KpaScaleToZeroTest {

  private static final RevisionKey KEY = new RevisionKey("default", "fn");

  @Test
  void walksThroughScaleToZeroAndBackWithDefaults() throws Exception {
    MutableClock clock = new MutableClock(Instant.ofEpochSecond(1_700_000_000L));
    AutoscalerConfig config = AutoscalerConfig.defaults();
    List<Integer> writes = new ArrayList<>();
    List<Duration> requeues = new ArrayList<>();
    KpaScaler scaler =
        new KpaScaler(
            () -> config,
            KpaScaler.DEFAULT_PROGRESS_DEADLINE,
            clock,
            (k, d) -> requeues.add(d),
            ActivatorProbe.alwaysInPath(),
            (k, n) -> writes.add(n));
    KpaReconciler reconciler = new KpaReconciler(scaler, () -> config, clock);
    RevisionAutoscaling rev = new RevisionAutoscaling(Map.of(), 0, Reachability.REACHABLE);
    DeciderSpec spec = rev.deciderSpec(config);
    PodAutoscalerStatus pa = new PodAutoscalerStatus(clock.instant());

    // Traffic: the decider wants 3, 3 pods come up; EBC >= 0 -> serve.
    var r =
        reconciler.reconcile(KEY, rev, pa, SksState.serve(), spec, new DeciderStatus(3, 89), 1, 3);
    assertThat(r.want()).isEqualTo(3);
    assertThat(writes).containsExactly(3);
    assertThat(r.mode()).isEqualTo(SksMode.SERVE);
    assertThat(pa.isActive()).isTrue();

    // The decider says 0 after 20 s of activity: hold 1 pod until a stable window of activity,
    // re-check later.
    clock.advance(Duration.ofSeconds(20));
    r =
        reconciler.reconcile(
            KEY, rev, pa, SksState.serve(), spec, new DeciderStatus(0, -211), 3, 3);
    assertThat(r.want()).isEqualTo(1);
    assertThat(requeues).containsExactly(Duration.ofSeconds(40));
    assertThat(r.mode()).isEqualTo(SksMode.PROXY);

    // 40 s later: active for a full stable window -> deactivate (not applied), the PA becomes
    // inactive.
    clock.advance(Duration.ofSeconds(40));
    r =
        reconciler.reconcile(
            KEY, rev, pa, SksState.serve(), spec, new DeciderStatus(0, -211), 1, 1);
    assertThat(r.want()).isZero();
    assertThat(r.written()).isFalse();
    assertThat(pa.isInactive()).isTrue();
    assertThat(pa.inactiveReason()).isEqualTo("NoTraffic");
    Instant proxySince = clock.instant();

    // 10 s inactive, activator in path for 10 s: wait the rest of the 30 s grace period.
    clock.advance(Duration.ofSeconds(10));
    requeues.clear();
    r =
        reconciler.reconcile(
            KEY,
            rev,
            pa,
            new SksState(SksMode.PROXY, proxySince),
            spec,
            new DeciderStatus(0, -211),
            1,
            1);
    assertThat(r.written()).isFalse();
    assertThat(requeues).containsExactly(Duration.ofSeconds(20));

    // Grace period over: scale to 0 is written.
    clock.advance(Duration.ofSeconds(20));
    r =
        reconciler.reconcile(
            KEY,
            rev,
            pa,
            new SksState(SksMode.PROXY, proxySince),
            spec,
            new DeciderStatus(0, -211),
            1,
            1);
    assertThat(r.written()).isTrue();
    assertThat(writes).containsExactly(3, 1, 0);

    // A request: the decider wants 1 -> written at once, the PA activates until the pod is ready,
    // proxy stays.
    clock.advance(Duration.ofSeconds(100));
    r =
        reconciler.reconcile(
            KEY,
            rev,
            pa,
            new SksState(SksMode.PROXY, proxySince),
            spec,
            new DeciderStatus(1, -212),
            0,
            0);
    assertThat(writes).containsExactly(3, 1, 0, 1);
    assertThat(pa.isActivating()).isTrue();
    assertThat(r.mode()).isEqualTo(SksMode.PROXY);
    assertThat(r.numActivators()).isEqualTo(3); // ceil((0 * 100 + 211) / 100)
  }

  @Test
  void activationTimesOut() throws Exception {
    MutableClock clock = new MutableClock(Instant.ofEpochSecond(1_700_000_000L));
    AutoscalerConfig config = AutoscalerConfig.defaults();
    List<Integer> writes = new ArrayList<>();
    KpaScaler scaler =
        new KpaScaler(
            () -> config,
            KpaScaler.DEFAULT_PROGRESS_DEADLINE,
            clock,
            (k, d) -> {},
            ActivatorProbe.alwaysInPath(),
            (k, n) -> writes.add(n));
    RevisionAutoscaling rev = new RevisionAutoscaling(Map.of(), 0, Reachability.REACHABLE);
    PodAutoscalerStatus pa = new PodAutoscalerStatus(clock.instant());
    assertThat(scaler.scale(KEY, rev, pa, SksState.serve(), 0, 1).want())
        .isEqualTo(KpaScaler.SCALE_UNKNOWN);
    clock.advance(
        Duration.ofSeconds(631)); // progress deadline 600 s + 30 s buffer, strictly exceeded
    assertThat(scaler.scale(KEY, rev, pa, SksState.serve(), 0, 1))
        .isEqualTo(new KpaScaler.Outcome(0, true));
    assertThat(writes).containsExactly(0);
  }
}
