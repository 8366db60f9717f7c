package io.kubedirect.examples.faas.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodCondition;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class SandboxStatusTest {

  private static final OffsetDateTime T = OffsetDateTime.of(2026, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC);

  @Test
  void runningStatusIsReadyWithIpAndStartTime() {
    V1Pod pod = TestPods.pod("p", "n1", false, T);
    V1Pod running = SandboxStatus.running(pod, "10.0.0.7", T);
    assertThat(running.getStatus().getPhase()).isEqualTo("Running");
    assertThat(running.getStatus().getPodIP()).isEqualTo("10.0.0.7");
    assertThat(running.getStatus().getPodIPs())
        .singleElement()
        .satisfies(ip -> assertThat(ip.getIp()).isEqualTo("10.0.0.7"));
    assertThat(running.getStatus().getStartTime()).isEqualTo(T);
    assertThat(running.getStatus().getConditions())
        .extracting(V1PodCondition::getType)
        .contains("Ready", "ContainersReady", "PodScheduled", "Initialized");
    assertThat(running.getStatus().getConditions()).allMatch(c -> "True".equals(c.getStatus()));
    assertThat(running.getStatus().getContainerStatuses())
        .singleElement()
        .satisfies(c -> assertThat(c.getReady()).isTrue());
    assertThat(Pods.isReady(running)).isTrue();
    assertThat(SandboxStatus.isRunning(running)).isTrue();
    // the input is untouched
    assertThat(pod.getStatus().getPhase()).isEqualTo("Pending");
    assertThat(SandboxStatus.isRunning(pod)).isFalse();
  }

  @Test
  void servingAddressTravelsInItsOwnCondition() {
    V1Pod pod = TestPods.pod("p", "n1", false, T);
    assertThat(SandboxStatus.servingAddress(SandboxStatus.running(pod, "10.0.0.7", T))).isNull();
    V1Pod serving = SandboxStatus.running(pod, "10.0.0.7", T, "127.0.0.1:40123");
    assertThat(SandboxStatus.servingAddress(serving)).isEqualTo("127.0.0.1:40123");
    assertThat(serving.getStatus().getConditions())
        .filteredOn(c -> SandboxStatus.SERVING_CONDITION.equals(c.getType()))
        .singleElement()
        .satisfies(c -> assertThat(c.getReason()).isEqualTo("Listening"));
    assertThat(SandboxStatus.isRunning(serving)).isTrue();
    assertThat(SandboxStatus.servingAddress(pod)).isNull();
  }

  @Test
  void refusesUnboundPods() {
    assertThatThrownBy(
            () -> SandboxStatus.running(TestPods.pod("p", null, false, T), "10.0.0.1", T))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
