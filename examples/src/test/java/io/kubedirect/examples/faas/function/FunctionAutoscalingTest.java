package io.kubedirect.examples.faas.function;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.examples.faas.cluster.Workloads;
import io.kubedirect.examples.faas.sandbox.SandboxSpec;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.config.AutoscalerConfig;
import io.kubedirect.examples.knative.autoscaler.config.RevisionAutoscaling;
import io.kubedirect.examples.knative.autoscaler.kpa.SksMode;
import io.kubernetes.client.openapi.models.V1Deployment;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FunctionAutoscalingTest {

  @Test
  void templateAnnotationsAreOverriddenByTheDeploymentsAndOthersIgnored() {
    V1Deployment d =
        Workloads.function(
            "ns",
            "fn",
            0,
            8080,
            Map.of(
                RevisionAutoscaling.WINDOW, "6s",
                RevisionAutoscaling.MAX_SCALE, "4",
                SandboxSpec.CONTAINER_CONCURRENCY_ANNOTATION, "2"),
            true);
    d.getMetadata().annotations(Map.of(RevisionAutoscaling.MAX_SCALE, "9", "unrelated", "x"));
    RevisionAutoscaling rev = FunctionAutoscaling.of(d);
    assertThat(rev.annotations())
        .containsOnly(
            Map.entry(RevisionAutoscaling.WINDOW, "6s"),
            Map.entry(RevisionAutoscaling.MAX_SCALE, "9"));
    AutoscalerConfig c = FunctionAutoscaling.chainDefaults(Map.of());
    assertThat(rev.stableWindow(c)).isEqualTo(Duration.ofSeconds(6));
    assertThat(rev.scaleBounds(c).max()).isEqualTo(9);
    assertThat(rev.resolveMetricTarget(c)[1])
        .isEqualTo(2.0); // the container concurrency caps the target
    assertThat(FunctionAutoscaling.functionOf(d.getMetadata()))
        .isEqualTo(new RevisionKey("ns", "fn"));
  }

  @Test
  void chainDefaultsKeepTheActivatorInThePathAndStartAtZero() {
    AutoscalerConfig c = FunctionAutoscaling.chainDefaults(Map.of("stable-window", "10s"));
    assertThat(c.targetBurstCapacity()).isEqualTo(-1);
    assertThat(c.initialScale()).isZero();
    assertThat(c.allowZeroInitialScale()).isTrue();
    assertThat(c.stableWindow()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void theServerlessServiceFollowsTheDecidedModeAndRestartsProxyTime() {
    Instant t0 = Instant.ofEpochSecond(1_700_000_000L);
    FunctionAutoscaling.State s = new FunctionAutoscaling.State(t0);
    assertThat(s.sks().mode()).isEqualTo(SksMode.PROXY);
    assertThat(s.sks().proxySince()).isEqualTo(t0);
    s.follow(SksMode.SERVE, t0.plusSeconds(5));
    assertThat(s.sks().proxySince()).isNull();
    s.follow(SksMode.PROXY, t0.plusSeconds(9));
    assertThat(s.sks().proxySince()).isEqualTo(t0.plusSeconds(9));
    s.follow(SksMode.PROXY, t0.plusSeconds(12));
    assertThat(s.sks().proxySince()).isEqualTo(t0.plusSeconds(9));
  }

  @Test
  void timedReportsTheScaleBeforeItIsWrittenAndTheMinScaleAnnotationBoundsIt() throws Exception {
    io.kubedirect.examples.faas.common.StageTimeLog log =
        new io.kubedirect.examples.faas.common.StageTimeLog();
    java.util.List<Integer> written = new java.util.ArrayList<>();
    io.kubedirect.examples.faas.common.StageTimes.install(log);
    try {
      FunctionAutoscaling.timed(
              (key, replicas) -> {
                assertThat(log.snapshot().scaledTo("bench", "fn", replicas, 0))
                    .as("reported before the write")
                    .isNotNegative();
                written.add(replicas);
              })
          .writeScale(new RevisionKey("bench", "fn"), 1000);
    } finally {
      io.kubedirect.examples.faas.common.StageTimes.uninstall(log);
    }
    assertThat(written).containsExactly(1000);

    V1Deployment d =
        Workloads.function(
            "bench", "fn", 0, 8080, Map.of(RevisionAutoscaling.MAX_SCALE, "1000"), true);
    d.getMetadata().putAnnotationsItem(RevisionAutoscaling.MIN_SCALE, "1000");
    AutoscalerConfig c = FunctionAutoscaling.chainDefaults(Map.of());
    assertThat(FunctionAutoscaling.of(d).scaleBounds(c))
        .as("the Deployment's own min-scale annotation, as the pods workload patches it")
        .isEqualTo(new RevisionAutoscaling.ScaleBounds(1000, 1000));
  }
}
