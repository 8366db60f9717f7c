package io.kubedirect.examples.faas.plain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubedirect.examples.faas.common.FaasConventions;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodStatus;
import java.time.Duration;
import java.time.OffsetDateTime;
import org.junit.jupiter.api.Test;

class SchedulerControllerTest {

  private static V1Pod pod(String scheduler, String node) {
    return new V1Pod()
        .metadata(new V1ObjectMeta().name("p").namespace("ns"))
        .spec(new V1PodSpec().schedulerName(scheduler).nodeName(node));
  }

  @Test
  void schedulesOnlyActiveUnboundPodsThatNameTheExampleScheduler() {
    assertThat(SchedulerController.needsScheduling(pod(FaasConventions.SCHEDULER_NAME, null)))
        .isTrue();
    assertThat(SchedulerController.needsScheduling(pod(FaasConventions.SCHEDULER_NAME, "n1")))
        .isFalse();
    assertThat(SchedulerController.needsScheduling(pod("default-scheduler", null))).isFalse();
    V1Pod terminating = pod(FaasConventions.SCHEDULER_NAME, null);
    terminating.getMetadata().setDeletionTimestamp(OffsetDateTime.now());
    assertThat(SchedulerController.needsScheduling(terminating)).isFalse();
    V1Pod failed =
        pod(FaasConventions.SCHEDULER_NAME, null).status(new V1PodStatus().phase("Failed"));
    assertThat(SchedulerController.needsScheduling(failed)).isFalse();
  }

  @Test
  void constructorsAndBuildersValidate() {
    ApiClient api = new ApiClient();
    assertThatThrownBy(() -> new SchedulerController(api, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ReplicaSetController(api, 1, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SandboxManager.builder(api).build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(
            () ->
                SandboxManager.builder(api)
                    .nodes("n")
                    .startDelay(Duration.ofMillis(10), Duration.ofMillis(5))
                    .build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> SandboxManager.builder(api).nodes("n").podIpBlock(300).build())
        .isInstanceOf(IllegalStateException.class);
    assertThat(SandboxManager.builder(api).nodes("a", "b").build().nodes())
        .containsExactlyInAnyOrder("a", "b");
  }

  @Test
  void stagesAreNotRunningUntilStarted() {
    ApiClient api = new ApiClient();
    SandboxManager sm = SandboxManager.builder(api).nodes("n").build();
    assertThat(sm.isRunning()).isFalse();
    assertThat(sm.hasSynced()).isFalse();
    sm.stop(); // idempotent on a stopped stage
    assertThat(
            new PlainSlice(api, java.util.List.of("a", "b", "c"), 2, Duration.ofMillis(5))
                .sandboxManagers())
        .extracting(SandboxManager::nodes)
        .containsExactly(java.util.Set.of("a", "c"), java.util.Set.of("b"));
  }
}
