package io.kubedirect.examples.bench.ceiling;

import io.kubedirect.examples.faas.cluster.Workloads;
import io.kubedirect.examples.faas.common.SandboxStatus;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodStatus;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.V1;
import java.time.OffsetDateTime;
import java.util.Locale;
import java.util.Map;

/**
 * The pods {@link WriteCeiling} writes, in both encodings: the example slice's pod (the function
 * template of {@link Workloads#template}, bound to a pool node) and the Ready status its sandbox
 * manager writes ({@link SandboxStatus#running}). The JSON and protobuf forms carry the same
 * fields.
 */
public final class CeilingPods {

  /** The function the pods belong to (their label). */
  static final String FUNCTION = "fn";

  /** Pool nodes the pods are spread over (names only: nothing checks they exist). */
  static final int NODES = 10;

  private CeilingPods() {}

  /** The name of pod {@code index}. */
  public static String name(int index) {
    return String.format(Locale.ROOT, "p-%06d", index);
  }

  /** The node pod {@code index} is bound to. */
  public static String node(int index) {
    return String.format(Locale.ROOT, "pool-%02d", index % NODES);
  }

  /** A unique pod IP for {@code index} (10.a.b.c, from 10.0.0.1). */
  public static String podIp(int index) {
    if (index < 0 || index >= (1 << 24) - 1) {
      throw new IllegalArgumentException("pod index out of range: " + index);
    }
    int n = index + 1;
    return "10." + ((n >> 16) & 0xff) + "." + ((n >> 8) & 0xff) + "." + (n & 0xff);
  }

  /** Pod {@code index} as client-java's model, ready to create (no status). */
  public static V1Pod json(String namespace, int index) {
    var template = Workloads.template(FUNCTION);
    V1Pod pod =
        new V1Pod()
            .apiVersion("v1")
            .kind("Pod")
            .metadata(
                new V1ObjectMeta()
                    .name(name(index))
                    .namespace(namespace)
                    .labels(template.getMetadata().getLabels()))
            .spec(template.getSpec().nodeName(node(index)));
    pod.setStatus(null);
    return pod;
  }

  /** The Ready status of pod {@code index} (the created copy {@code created}) as the model. */
  public static V1PodStatus jsonStatus(V1Pod created, int index, OffsetDateTime startTime) {
    return SandboxStatus.running(created, podIp(index), startTime).getStatus();
  }

  /**
   * The body of a JSON patch that replaces {@code /status} with {@code status}, as client-java's
   * {@code GenericKubernetesApi.updateStatus} sends it.
   */
  public static String statusPatch(V1PodStatus status) {
    return "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":"
        + new JSON().serialize(status)
        + "}]";
  }

  /** Pod {@code index} as client-java's protobuf message, ready to create (no status). */
  public static V1.Pod proto(String namespace, int index) {
    var template = Workloads.template(FUNCTION);
    var spec = template.getSpec();
    V1.PodSpec.Builder s =
        V1.PodSpec.newBuilder()
            .setTerminationGracePeriodSeconds(spec.getTerminationGracePeriodSeconds())
            .putAllNodeSelector(spec.getNodeSelector())
            .setNodeName(node(index));
    spec.getContainers()
        .forEach(
            c ->
                s.addContainers(
                    V1.Container.newBuilder().setName(c.getName()).setImage(c.getImage())));
    Map<String, String> labels = template.getMetadata().getLabels();
    return V1.Pod.newBuilder()
        .setMetadata(
            Meta.ObjectMeta.newBuilder()
                .setName(name(index))
                .setNamespace(namespace)
                .putAllLabels(labels))
        .setSpec(s)
        .build();
  }

  /**
   * The Ready status of pod {@code index} as the protobuf message: the same fields as {@link
   * #jsonStatus} (without the serving condition).
   */
  public static V1.PodStatus protoStatus(V1.Pod created, int index, OffsetDateTime startTime) {
    Meta.Time t = Meta.Time.newBuilder().setSeconds(startTime.toEpochSecond()).setNanos(0).build();
    String ip = podIp(index);
    V1.PodStatus.Builder b =
        V1.PodStatus.newBuilder()
            .setPhase("Running")
            .setPodIP(ip)
            .addPodIPs(V1.PodIP.newBuilder().setIp(ip))
            .setStartTime(t);
    for (String type : new String[] {"PodScheduled", "Initialized", "ContainersReady", "Ready"}) {
      b.addConditions(
          V1.PodCondition.newBuilder().setType(type).setStatus("True").setLastTransitionTime(t));
    }
    for (V1.Container c : created.getSpec().getContainersList()) {
      b.addContainerStatuses(
          V1.ContainerStatus.newBuilder()
              .setName(c.getName())
              .setImage(c.getImage())
              .setImageID("")
              .setContainerID(
                  "kubedirect-example://" + created.getMetadata().getName() + "/" + c.getName())
              .setReady(true)
              .setStarted(true)
              .setRestartCount(0)
              .setState(
                  V1.ContainerState.newBuilder()
                      .setRunning(V1.ContainerStateRunning.newBuilder().setStartedAt(t))));
    }
    return b.build();
  }
}
