package io.kubedirect.examples.faas.common;

import io.kubernetes.client.openapi.models.V1ContainerState;
import io.kubernetes.client.openapi.models.V1ContainerStateRunning;
import io.kubernetes.client.openapi.models.V1ContainerStatus;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodCondition;
import io.kubernetes.client.openapi.models.V1PodIP;
import io.kubernetes.client.openapi.models.V1PodStatus;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Builds the status a kubelet would report for a pod whose sandbox (and containers) are running. */
public final class SandboxStatus {

  private SandboxStatus() {}

  /**
   * A copy of {@code pod} whose status says: phase Running, conditions PodScheduled, Initialized,
   * ContainersReady and Ready all True, the given pod IP, start time and a running status per container.
   *
   * @throws IllegalArgumentException if the pod has no spec or is not bound to a node
   */
  public static V1Pod running(V1Pod pod, String podIp, OffsetDateTime startTime) {
    Objects.requireNonNull(podIp, "podIp");
    Objects.requireNonNull(startTime, "startTime");
    if (pod.getSpec() == null || pod.getSpec().getNodeName() == null) {
      throw new IllegalArgumentException("pod " + pod.getMetadata().getName() + " is not bound to a node");
    }
    V1Pod copy = PodTemplates.deepCopy(pod, V1Pod.class);
    List<V1PodCondition> conditions = new ArrayList<>();
    for (String type : List.of("PodScheduled", "Initialized", "ContainersReady", "Ready")) {
      conditions.add(new V1PodCondition().type(type).status("True").lastTransitionTime(startTime));
    }
    List<V1ContainerStatus> containers = new ArrayList<>();
    if (pod.getSpec().getContainers() != null) {
      pod.getSpec().getContainers().forEach(c -> containers.add(new V1ContainerStatus()
          .name(c.getName())
          .image(c.getImage() == null ? "" : c.getImage())
          .imageID("")
          .containerID("kubedirect-example://" + pod.getMetadata().getName() + "/" + c.getName())
          .ready(true)
          .started(true)
          .restartCount(0)
          .state(new V1ContainerState().running(new V1ContainerStateRunning().startedAt(startTime)))));
    }
    V1PodStatus status = copy.getStatus() == null ? new V1PodStatus() : copy.getStatus();
    status.phase("Running")
        .conditions(conditions)
        .podIP(podIp)
        .podIPs(List.of(new V1PodIP().ip(podIp)))
        .startTime(startTime)
        .containerStatuses(containers);
    copy.setStatus(status);
    return copy;
  }

  /** True if {@code pod} already carries the status this class builds (Running, Ready, with an IP). */
  public static boolean isRunning(V1Pod pod) {
    return pod.getStatus() != null
        && "Running".equals(pod.getStatus().getPhase())
        && pod.getStatus().getPodIP() != null
        && Pods.isReady(pod);
  }
}
