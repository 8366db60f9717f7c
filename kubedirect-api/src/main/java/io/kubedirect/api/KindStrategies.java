package io.kubedirect.api;

import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Binding;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import java.util.Objects;
import java.util.function.Function;

/** The built-in {@link KindStrategy}s. */
public final class KindStrategies {

  private static final KindStrategy<KubernetesObject> GENERIC = o -> "";
  private static final KindStrategy<V1Pod> PODS = new PodStrategy();

  private KindStrategies() {}

  /** Any instance of the downstream stage; no ownership rule; nothing shared beyond metadata. */
  @SuppressWarnings("unchecked")
  public static <T extends KubernetesObject> KindStrategy<T> generic() {
    return (KindStrategy<T>) GENERIC;
  }

  /**
   * Pods: routed by {@code spec.nodeName} (the sandbox manager of that node); a stored copy bound
   * to another node is not this stage's; a stored unbound copy is bound through {@code
   * pods/binding}; containers, tolerations, volumes and the other template parts are shared.
   */
  public static KindStrategy<V1Pod> pods() {
    return PODS;
  }

  /** {@code base} with another routing key. */
  public static <T extends KubernetesObject> KindStrategy<T> withRoutingKey(
      KindStrategy<T> base, Function<T, String> routingKey) {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(routingKey, "routingKey");
    return new KindStrategy<>() {
      @Override
      public String routingKey(T object) {
        return routingKey.apply(object);
      }

      @Override
      public String ownershipConflict(T desired, T stored) {
        return base.ownershipConflict(desired, stored);
      }

      @Override
      public SubresourceWrite subresourceWrite(T desired, T stored) {
        return base.subresourceWrite(desired, stored);
      }

      @Override
      public void share(T object, Interner interner) {
        base.share(object, interner);
      }
    };
  }

  private static final class PodStrategy implements KindStrategy<V1Pod> {
    @Override
    public String routingKey(V1Pod pod) {
      return pod.getSpec() == null || pod.getSpec().getNodeName() == null
          ? ""
          : pod.getSpec().getNodeName();
    }

    @Override
    public String ownershipConflict(V1Pod desired, V1Pod stored) {
      String want = desired.getSpec() == null ? null : desired.getSpec().getNodeName();
      String have = stored.getSpec() == null ? null : stored.getSpec().getNodeName();
      if (want != null && have != null && !want.equals(have)) {
        return "persisted copy is bound to " + have + ", not " + want;
      }
      return null;
    }

    @Override
    public SubresourceWrite subresourceWrite(V1Pod desired, V1Pod stored) {
      String want = desired.getSpec() == null ? null : desired.getSpec().getNodeName();
      String have = stored.getSpec() == null ? null : stored.getSpec().getNodeName();
      if (want == null || have != null) {
        return null;
      }
      V1Binding binding =
          new V1Binding()
              .metadata(
                  new V1ObjectMeta()
                      .name(stored.getMetadata().getName())
                      .namespace(stored.getMetadata().getNamespace())
                      .uid(stored.getMetadata().getUid()))
              .target(new V1ObjectReference().apiVersion("v1").kind("Node").name(want));
      return new SubresourceWrite("binding", binding);
    }

    @Override
    public void share(V1Pod pod, Interner in) {
      V1PodSpec s = pod.getSpec();
      if (s == null) {
        return;
      }
      s.setContainers(in.intern(s.getContainers()));
      s.setInitContainers(in.intern(s.getInitContainers()));
      s.setTolerations(in.intern(s.getTolerations()));
      s.setVolumes(in.intern(s.getVolumes()));
      s.setNodeSelector(in.intern(s.getNodeSelector()));
      s.setImagePullSecrets(in.intern(s.getImagePullSecrets()));
      s.setNodeName(in.intern(s.getNodeName()));
      s.setSchedulerName(in.intern(s.getSchedulerName()));
      s.setRestartPolicy(in.intern(s.getRestartPolicy()));
      s.setServiceAccountName(in.intern(s.getServiceAccountName()));
      s.setAffinity(in.intern(s.getAffinity()));
      s.setSecurityContext(in.intern(s.getSecurityContext()));
      s.setTopologySpreadConstraints(in.intern(s.getTopologySpreadConstraints()));
    }
  }
}
