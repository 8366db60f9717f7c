package io.kubedirect.examples.faas.common;

import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeCondition;
import io.kubernetes.client.openapi.models.V1NodeSpec;
import io.kubernetes.client.openapi.models.V1NodeStatus;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodCondition;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodStatus;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/** Builders for test fixtures. */
final class TestPods {
  private TestPods() {}

  static V1Pod pod(String name, String node, boolean ready, OffsetDateTime created) {
    V1PodStatus status = new V1PodStatus().phase(ready ? "Running" : "Pending");
    if (ready) {
      status.conditions(List.of(new V1PodCondition().type("Ready").status("True")));
    }
    return new V1Pod()
        .metadata(
            new V1ObjectMeta()
                .name(name)
                .namespace("ns")
                .uid("uid-" + name)
                .creationTimestamp(created))
        .spec(
            new V1PodSpec()
                .nodeName(node)
                .containers(List.of(new V1Container().name("fn").image("img"))))
        .status(status);
  }

  static V1Node node(String name, boolean pool, boolean ready, boolean unschedulable) {
    return new V1Node()
        .metadata(
            new V1ObjectMeta()
                .name(name)
                .labels(
                    pool
                        ? Map.of(FaasConventions.POOL_LABEL, FaasConventions.POOL_VALUE)
                        : Map.of("x", "y")))
        .spec(new V1NodeSpec().unschedulable(unschedulable))
        .status(
            new V1NodeStatus()
                .conditions(
                    List.of(new V1NodeCondition().type("Ready").status(ready ? "True" : "False"))));
  }
}
