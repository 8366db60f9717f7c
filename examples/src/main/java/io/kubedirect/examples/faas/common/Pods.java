package io.kubedirect.examples.faas.common;

import io.kubernetes.client.openapi.models.V1OwnerReference;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodCondition;
import java.util.Optional;

/** Small read-only predicates over pods, shared by all stages. */
public final class Pods {

  private Pods() {}

  /** {@code namespace/name} of a pod (the informer cache key). */
  public static String key(V1Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  /** True unless the pod is terminating or has finished (Succeeded/Failed). */
  public static boolean isActive(V1Pod pod) {
    if (pod.getMetadata() == null || pod.getMetadata().getDeletionTimestamp() != null) {
      return false;
    }
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    return !"Succeeded".equals(phase) && !"Failed".equals(phase);
  }

  /** True if the pod's Ready condition is True. */
  public static boolean isReady(V1Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
      return false;
    }
    for (V1PodCondition c : pod.getStatus().getConditions()) {
      if ("Ready".equals(c.getType())) {
        return "True".equals(c.getStatus());
      }
    }
    return false;
  }

  /** The pod's node, or null if it is not bound. */
  public static String nodeName(V1Pod pod) {
    return pod.getSpec() == null ? null : pod.getSpec().getNodeName();
  }

  /** The ownerReference with {@code controller=true}, if any. */
  public static Optional<V1OwnerReference> controllerOf(V1Pod pod) {
    if (pod.getMetadata() == null || pod.getMetadata().getOwnerReferences() == null) {
      return Optional.empty();
    }
    return pod.getMetadata().getOwnerReferences().stream()
        .filter(r -> Boolean.TRUE.equals(r.getController()))
        .findFirst();
  }

  /** True if the pod's controlling owner is a ReplicaSet with the given UID. */
  public static boolean isControlledBy(V1Pod pod, String ownerUid) {
    return controllerOf(pod)
        .filter(r -> "ReplicaSet".equals(r.getKind()) && ownerUid.equals(r.getUid()))
        .isPresent();
  }
}
