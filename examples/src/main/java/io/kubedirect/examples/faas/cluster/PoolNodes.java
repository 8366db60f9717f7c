package io.kubedirect.examples.faas.cluster;

import io.kubedirect.examples.faas.common.FaasConventions;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeAddress;
import io.kubernetes.client.openapi.models.V1NodeCondition;
import io.kubernetes.client.openapi.models.V1NodeStatus;
import io.kubernetes.client.openapi.models.V1NodeSystemInfo;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Taint;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Creates the example pool: Node objects labelled {@code faas.kubedirect.io/pool=example}, with a
 * Ready status, generous allocatable resources and the admission-added {@code not-ready} taint
 * removed, so that both the example scheduler and the real kube-scheduler place pods on them. No
 * kubelet runs; a {@link NodeHeartbeat} keeps them alive for kube-controller-manager's node
 * lifecycle controller.
 */
public final class PoolNodes {

  private PoolNodes() {}

  /** The names {@code <prefix>-0 .. <prefix>-(count-1)}. */
  public static List<String> names(String prefix, int count) {
    List<String> names = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      names.add(prefix + "-" + i);
    }
    return names;
  }

  /**
   * Creates (or adopts, if they exist) Ready pool nodes with the given names.
   *
   * @param extraAnnotations annotations to put on every node (e.g. a sandbox-manager address); may
   *     be empty
   * @throws ApiException if the API Server rejects a write
   */
  public static List<V1Node> create(
      ApiClient apiClient, List<String> names, Map<String, String> extraAnnotations)
      throws ApiException {
    Objects.requireNonNull(extraAnnotations, "extraAnnotations");
    CoreV1Api api = new CoreV1Api(apiClient);
    List<V1Node> result = new ArrayList<>();
    for (String name : names) {
      V1Node node =
          new V1Node()
              .apiVersion("v1")
              .kind("Node")
              .metadata(
                  new V1ObjectMeta()
                      .name(name)
                      .labels(
                          Map.of(
                              FaasConventions.POOL_LABEL,
                              FaasConventions.POOL_VALUE,
                              "kubernetes.io/hostname",
                              name,
                              "kubernetes.io/os",
                              "linux"))
                      .annotations(
                          extraAnnotations.isEmpty() ? null : Map.copyOf(extraAnnotations)));
      try {
        node = api.createNode(node).execute();
      } catch (ApiException e) {
        if (e.getCode() != 409) {
          throw e;
        }
        node = api.readNode(name).execute();
      }
      result.add(untaint(api, markReady(api, node)));
    }
    return result;
  }

  /**
   * Writes a Ready status, re-reading and retrying when another controller updated the node
   * meanwhile.
   */
  private static V1Node markReady(CoreV1Api api, V1Node node) throws ApiException {
    for (int attempt = 0; ; attempt++) {
      node.setStatus(readyStatus(OffsetDateTime.now(ZoneOffset.UTC)));
      try {
        return api.replaceNodeStatus(node.getMetadata().getName(), node).execute();
      } catch (ApiException e) {
        if (e.getCode() != 409 || attempt >= 10) {
          throw e;
        }
        node = api.readNode(node.getMetadata().getName()).execute();
      }
    }
  }

  /** A kubelet-like status: Ready, addresses, allocatable cpu 1000 / memory 1Ti / pods 10000. */
  public static V1NodeStatus readyStatus(OffsetDateTime now) {
    Map<String, Quantity> resources =
        Map.of(
            "cpu", Quantity.fromString("1000"),
            "memory", Quantity.fromString("1Ti"),
            "pods", Quantity.fromString("10000"));
    List<V1NodeCondition> conditions =
        List.of(
            condition("Ready", "True", "KubeletReady", now),
            condition("MemoryPressure", "False", "KubeletHasSufficientMemory", now),
            condition("DiskPressure", "False", "KubeletHasNoDiskPressure", now),
            condition("PIDPressure", "False", "KubeletHasSufficientPID", now));
    return new V1NodeStatus()
        .capacity(resources)
        .allocatable(resources)
        .conditions(conditions)
        .addresses(List.of(new V1NodeAddress().type("InternalIP").address("127.0.0.1")))
        .nodeInfo(
            new V1NodeSystemInfo()
                .architecture("amd64")
                .operatingSystem("linux")
                .kubeletVersion("v1.36.3-kubedirect-example")
                .containerRuntimeVersion("kubedirect-example://1")
                .bootID("")
                .kernelVersion("")
                .kubeProxyVersion("")
                .machineID("")
                .osImage("")
                .systemUUID(""));
  }

  private static V1NodeCondition condition(
      String type, String status, String reason, OffsetDateTime now) {
    return new V1NodeCondition()
        .type(type)
        .status(status)
        .reason(reason)
        .lastHeartbeatTime(now)
        .lastTransitionTime(now);
  }

  /**
   * Removes the {@code node.kubernetes.io/not-ready} taint TaintNodesByCondition adds at creation.
   */
  private static V1Node untaint(CoreV1Api api, V1Node node) throws ApiException {
    for (int attempt = 0; ; attempt++) {
      List<V1Taint> taints = node.getSpec() == null ? null : node.getSpec().getTaints();
      if (taints == null || taints.stream().noneMatch(PoolNodes::isNotReadyTaint)) {
        return node;
      }
      node.getSpec()
          .setTaints(taints.stream().filter(t -> !isNotReadyTaint(t)).collect(Collectors.toList()));
      try {
        return api.replaceNode(node.getMetadata().getName(), node).execute();
      } catch (ApiException e) {
        if (e.getCode() != 409 || attempt >= 10) {
          throw e;
        }
        node = api.readNode(node.getMetadata().getName()).execute();
      }
    }
  }

  private static boolean isNotReadyTaint(V1Taint t) {
    return "node.kubernetes.io/not-ready".equals(t.getKey());
  }
}
