package io.kubedirect.runtime.internal.engine;

import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodStatus;
import java.util.List;
import java.util.Map;

/** Pod fixtures. */
public final class TestPods {

  /** The protocol kind of pods. */
  public static final String POD = "/v1/Pod";

  private TestPods() {}

  /**
   * A new (ephemeral) pod in namespace "default" of function {@code fn}, optionally bound to a
   * node.
   */
  public static V1Pod pod(String name, String node) {
    return new V1Pod()
        .apiVersion("v1")
        .kind("Pod")
        .metadata(new V1ObjectMeta().name(name).namespace("default").labels(Map.of("app", "fn-a")))
        .spec(
            new V1PodSpec()
                .nodeName(node)
                .containers(
                    List.of(new V1Container().name("main").image("registry.local/fn-a:1"))));
  }

  /** A copy of {@code p} with status phase {@code phase}. */
  public static V1Pod withPhase(V1Pod p, String phase) {
    V1Pod c = ObjectSupport.deepCopy(p);
    c.setStatus(new V1PodStatus().phase(phase));
    return c;
  }
}
