package io.kubedirect.runtime.sim;

import io.kubedirect.api.KubeDirectLabels;
import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodCondition;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodStatus;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Pod helpers for the simulation. */
final class SimPods {

  static final String KIND = "/v1/Pod";
  static final String NAMESPACE = "default";
  static final String OWNER_LABEL = "sim.kubedirect.io/owner";

  private SimPods() {}

  /** A new pod of {@code owner}, like a ReplicaSet's template instance. */
  static V1Pod newPod(String owner, String name) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(OWNER_LABEL, owner);
    labels.put(KubeDirectLabels.MANAGED, KubeDirectLabels.TRUE);
    return new V1Pod()
        .apiVersion("v1")
        .kind("Pod")
        .metadata(new V1ObjectMeta().name(name).namespace(NAMESPACE).labels(labels))
        .spec(new V1PodSpec().containers(List.of(new V1Container().name("fn").image("sim/fn:1"))));
  }

  static String key(KubernetesObject o) {
    return ObjectSupport.key(o);
  }

  static String owner(V1Pod pod) {
    Map<String, String> l = pod.getMetadata().getLabels();
    return l == null ? null : l.get(OWNER_LABEL);
  }

  static String nodeName(V1Pod pod) {
    return pod.getSpec() == null ? null : pod.getSpec().getNodeName();
  }

  static boolean isReady(V1Pod pod) {
    V1PodStatus s = pod.getStatus();
    if (s == null || s.getConditions() == null) {
      return false;
    }
    return s.getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** A copy bound to {@code node}. */
  static V1Pod bound(V1Pod pod, String node) {
    V1Pod c = ObjectSupport.deepCopy(pod);
    c.getSpec().setNodeName(node);
    return c;
  }

  /** A copy whose status says Running and Ready. */
  static V1Pod ready(V1Pod pod) {
    V1Pod c = ObjectSupport.deepCopy(pod);
    c.setStatus(
        new V1PodStatus()
            .phase("Running")
            .conditions(List.of(new V1PodCondition().type("Ready").status("True"))));
    return c;
  }
}
