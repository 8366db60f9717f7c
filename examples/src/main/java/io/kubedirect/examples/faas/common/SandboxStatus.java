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

/**
 * Builds the status a kubelet would report for a pod whose sandbox (and containers) are running.
 */
public final class SandboxStatus {

  /**
   * Pod condition that carries the address ({@code host:port}, in its message) where the pod's
   * sandbox answers HTTP requests. The simulated sandboxes listen on loopback ports, not on their
   * (made-up) pod IPs, so this condition, written with the rest of the status, tells the activator
   * where to send a function's requests.
   */
  public static final String SERVING_CONDITION = "faas.kubedirect.io/Serving";

  private SandboxStatus() {}

  /**
   * A copy of {@code pod} whose status says: phase Running, conditions PodScheduled, Initialized,
   * ContainersReady and Ready all True, the given pod IP, start time and a running status per
   * container.
   *
   * @throws IllegalArgumentException if the pod has no spec or is not bound to a node
   */
  public static V1Pod running(V1Pod pod, String podIp, OffsetDateTime startTime) {
    return running(pod, podIp, startTime, null);
  }

  /**
   * Like {@link #running(V1Pod, String, OffsetDateTime)}, plus, if {@code servingAddress} is not
   * null, the {@link #SERVING_CONDITION} (status True, reason {@code Listening}, message {@code
   * servingAddress}).
   *
   * @throws IllegalArgumentException if the pod has no spec or is not bound to a node
   */
  public static V1Pod running(
      V1Pod pod, String podIp, OffsetDateTime startTime, String servingAddress) {
    Objects.requireNonNull(podIp, "podIp");
    Objects.requireNonNull(startTime, "startTime");
    if (pod.getSpec() == null || pod.getSpec().getNodeName() == null) {
      throw new IllegalArgumentException(
          "pod " + pod.getMetadata().getName() + " is not bound to a node");
    }
    V1Pod copy = PodTemplates.deepCopy(pod, V1Pod.class);
    List<V1PodCondition> conditions = new ArrayList<>();
    for (String type : List.of("PodScheduled", "Initialized", "ContainersReady", "Ready")) {
      conditions.add(new V1PodCondition().type(type).status("True").lastTransitionTime(startTime));
    }
    if (servingAddress != null) {
      conditions.add(
          new V1PodCondition()
              .type(SERVING_CONDITION)
              .status("True")
              .reason("Listening")
              .message(servingAddress)
              .lastTransitionTime(startTime));
    }
    List<V1ContainerStatus> containers = new ArrayList<>();
    if (pod.getSpec().getContainers() != null) {
      pod.getSpec()
          .getContainers()
          .forEach(
              c ->
                  containers.add(
                      new V1ContainerStatus()
                          .name(c.getName())
                          .image(c.getImage() == null ? "" : c.getImage())
                          .imageID("")
                          .containerID(
                              "kubedirect-example://"
                                  + pod.getMetadata().getName()
                                  + "/"
                                  + c.getName())
                          .ready(true)
                          .started(true)
                          .restartCount(0)
                          .state(
                              new V1ContainerState()
                                  .running(new V1ContainerStateRunning().startedAt(startTime)))));
    }
    V1PodStatus status = copy.getStatus() == null ? new V1PodStatus() : copy.getStatus();
    status
        .phase("Running")
        .conditions(conditions)
        .podIP(podIp)
        .podIPs(List.of(new V1PodIP().ip(podIp)))
        .startTime(startTime)
        .containerStatuses(containers);
    copy.setStatus(status);
    return copy;
  }

  /** The {@code host:port} of the pod's {@link #SERVING_CONDITION} if it is True, else null. */
  public static String servingAddress(V1Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return null;
    }
    for (V1PodCondition c : pod.getStatus().getConditions()) {
      if (SERVING_CONDITION.equals(c.getType())) {
        return "True".equals(c.getStatus()) ? c.getMessage() : null;
      }
    }
    return null;
  }

  /**
   * True if {@code pod} already carries the status this class builds (Running, Ready, with an IP).
   */
  public static boolean isRunning(V1Pod pod) {
    return pod.getStatus() != null
        && "Running".equals(pod.getStatus().getPhase())
        && pod.getStatus().getPodIP() != null
        && Pods.isReady(pod);
  }
}
