package io.kubedirect.it.controlplane;

import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ConfigMapList;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeCondition;
import io.kubernetes.client.openapi.models.V1NodeStatus;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Shared helpers of the control-plane integration tests. */
final class Fixtures {
  private Fixtures() {}

  static String uniqueName(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  static String createNamespace(ApiClient client, String prefix) throws ApiException {
    String name = uniqueName(prefix);
    new CoreV1Api(client)
        .createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(name)))
        .execute();
    return name;
  }

  static V1ConfigMap configMap(String ns, String name, String value) {
    return new V1ConfigMap()
        .metadata(new V1ObjectMeta().namespace(ns).name(name))
        .data(Map.of("v", value));
  }

  /** An informer on ConfigMaps of one namespace (registered, not started). */
  static SharedIndexInformer<V1ConfigMap> configMapInformer(
      SharedInformerFactory factory, ApiClient client, String ns) {
    GenericKubernetesApi<V1ConfigMap, V1ConfigMapList> api =
        new GenericKubernetesApi<>(
            V1ConfigMap.class, V1ConfigMapList.class, "", "v1", "configmaps", client);
    return factory.sharedIndexInformerFor(api, V1ConfigMap.class, 0L, ns);
  }

  /**
   * Creates a Node object and reports it Ready with room for pods (there is no kubelet: the test
   * plays it). Only kube-scheduler and the node-lifecycle controller look at it.
   */
  static V1Node createReadyNode(ApiClient client, String name) throws ApiException {
    CoreV1Api core = new CoreV1Api(client);
    core.createNode(
            new V1Node()
                .metadata(
                    new V1ObjectMeta().name(name).labels(Map.of("kubernetes.io/hostname", name))))
        .execute();
    Map<String, Quantity> resources =
        Map.of(
            "cpu",
            Quantity.fromString("16"),
            "memory",
            Quantity.fromString("64Gi"),
            "pods",
            Quantity.fromString("110"));
    // The node-lifecycle controller writes the new node too: read-modify-write until no conflict.
    for (int attempt = 1; ; attempt++) {
      V1Node current = core.readNode(name).execute();
      OffsetDateTime now = OffsetDateTime.now();
      current.status(
          new V1NodeStatus()
              .capacity(resources)
              .allocatable(resources)
              .conditions(
                  List.of(
                      new V1NodeCondition()
                          .type("Ready")
                          .status("True")
                          .reason("KubeletReady")
                          .message("played by the test")
                          .lastHeartbeatTime(now)
                          .lastTransitionTime(now))));
      try {
        return core.replaceNodeStatus(name, current).execute();
      } catch (ApiException e) {
        if (e.getCode() != 409 || attempt >= 20) {
          throw e;
        }
      }
    }
  }
}
