package io.kubedirect.examples.faas.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.examples.faas.common.FaasConventions;
import io.kubedirect.examples.faas.common.PodTemplates;
import io.kubedirect.examples.faas.common.SandboxStatus;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SliceChecksTest {

  private static final OffsetDateTime T = OffsetDateTime.parse("2026-01-01T00:00:00Z");

  private static V1Pod readyPod(String name, String node, String ip) {
    V1ReplicaSet rs = Workloads.exampleReplicaSet("ns", "fn", 1);
    rs.getMetadata().setUid("rs-uid");
    V1Pod pod = PodTemplates.podFor(rs, name, FaasConventions.SCHEDULER_NAME);
    pod.getSpec().setNodeName(node);
    return SandboxStatus.running(pod, ip, T);
  }

  @Test
  void exactEndStateHasNoProblems() {
    List<V1Pod> pods = List.of(readyPod("a", "n1", "10.0.0.1"), readyPod("b", "n2", "10.0.0.2"));
    assertThat(SliceChecks.problems(pods, 2, Set.of("n1", "n2"), "rs-uid")).isEmpty();
    assertThat(SliceChecks.problems(pods, 2, Set.of("n1", "n2"), null)).isEmpty();
  }

  @Test
  void reportsEveryKindOfDeviation() {
    List<V1Pod> pods = new ArrayList<>();
    pods.add(readyPod("a", "n1", "10.0.0.1"));
    pods.add(readyPod("a", "n1", "10.0.0.1")); // duplicate name and IP
    pods.add(readyPod("c", "elsewhere", "10.0.0.3")); // not a pool node
    V1Pod notReady =
        PodTemplates.podFor(
            Workloads.exampleReplicaSet("ns", "fn", 1)
                .metadata(Workloads.exampleReplicaSet("ns", "fn", 1).getMetadata().uid("other")),
            "d",
            FaasConventions.SCHEDULER_NAME);
    pods.add(notReady); // wrong owner, unbound, not ready, no IP
    List<String> problems = SliceChecks.problems(pods, 3, Set.of("n1"), "rs-uid");
    assertThat(problems)
        .anyMatch(p -> p.contains("expected 3 active pods, found 4"))
        .anyMatch(p -> p.contains("pod name a appears 2 times"))
        .anyMatch(p -> p.contains("pod IP 10.0.0.1 used 2 times"))
        .anyMatch(p -> p.startsWith("c: not bound to a pool node"))
        .anyMatch(p -> p.startsWith("d: no controlling ReplicaSet owner"))
        .anyMatch(p -> p.startsWith("d: not Ready"))
        .anyMatch(p -> p.startsWith("d: no pod IP"));
  }

  @Test
  void terminatingPodsDoNotCount() {
    V1Pod gone = readyPod("x", "n1", "10.0.0.9");
    gone.getMetadata().setDeletionTimestamp(T);
    assertThat(
            SliceChecks.problems(
                List.of(readyPod("a", "n1", "10.0.0.1"), gone), 1, Set.of("n1"), "rs-uid"))
        .isEmpty();
  }
}
