package io.kubedirect.runtime.internal.codec;

import io.kubedirect.protocol.v1.ObjectRef;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.CoreV1Event;
import io.kubernetes.client.openapi.models.V1Binding;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1DaemonSet;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1Endpoints;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscaler;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kind strings of the wire protocol: {@code "<group>/<version>/<Kind>"}, with an empty group for
 * the core API ({@code "/v1/Pod"}, {@code "apps/v1/ReplicaSet"}), and the registry that maps them
 * to client-java model classes. Common built-in kinds are pre-registered; custom resources are
 * added with {@link #register}. Thread-safe.
 */
public final class Kinds {

  private static final Map<String, Class<? extends KubernetesObject>> CLASS_BY_KIND =
      new ConcurrentHashMap<>();
  private static final Map<Class<? extends KubernetesObject>, String> KIND_BY_CLASS =
      new ConcurrentHashMap<>();

  static {
    register("/v1/Pod", V1Pod.class);
    register("/v1/Node", V1Node.class);
    register("/v1/Service", V1Service.class);
    register("/v1/ConfigMap", V1ConfigMap.class);
    register("/v1/Secret", V1Secret.class);
    register("/v1/Namespace", V1Namespace.class);
    register("/v1/Endpoints", V1Endpoints.class);
    register("/v1/Binding", V1Binding.class);
    register("/v1/Event", CoreV1Event.class);
    register("apps/v1/ReplicaSet", V1ReplicaSet.class);
    register("apps/v1/Deployment", V1Deployment.class);
    register("apps/v1/StatefulSet", V1StatefulSet.class);
    register("apps/v1/DaemonSet", V1DaemonSet.class);
    register("batch/v1/Job", V1Job.class);
    register("coordination.k8s.io/v1/Lease", V1Lease.class);
    register("discovery.k8s.io/v1/EndpointSlice", V1EndpointSlice.class);
    register("autoscaling/v2/HorizontalPodAutoscaler", V2HorizontalPodAutoscaler.class);
  }

  private Kinds() {}

  /**
   * The kind string of a registered model class.
   *
   * @throws IllegalArgumentException if the class is not registered
   */
  public static String of(Class<? extends KubernetesObject> type) {
    Objects.requireNonNull(type, "type");
    String kind = KIND_BY_CLASS.get(type);
    if (kind == null) {
      throw new IllegalArgumentException(
          "unregistered model class "
              + type.getName()
              + "; call Kinds.register(\"<group>/<version>/<Kind>\", "
              + type.getSimpleName()
              + ".class)");
    }
    return kind;
  }

  /**
   * The kind string of an object: from its {@code apiVersion} and {@code kind} when both are set,
   * otherwise from its class.
   *
   * @throws IllegalArgumentException if neither gives a kind
   */
  public static String of(KubernetesObject object) {
    Objects.requireNonNull(object, "object");
    String apiVersion = object.getApiVersion();
    String kind = object.getKind();
    if (apiVersion != null && !apiVersion.isEmpty() && kind != null && !kind.isEmpty()) {
      return fromApiVersion(apiVersion, kind);
    }
    return of(object.getClass());
  }

  /**
   * The kind string for an {@code apiVersion} ({@code "v1"}, {@code "apps/v1"}) and a {@code kind}.
   */
  public static String fromApiVersion(String apiVersion, String kind) {
    Objects.requireNonNull(apiVersion, "apiVersion");
    Objects.requireNonNull(kind, "kind");
    return apiVersion.indexOf('/') >= 0 ? apiVersion + "/" + kind : "/" + apiVersion + "/" + kind;
  }

  /**
   * The model class registered for a kind string.
   *
   * @throws IllegalArgumentException if the kind is not registered
   */
  public static Class<? extends KubernetesObject> classOf(String kind) {
    Objects.requireNonNull(kind, "kind");
    Class<? extends KubernetesObject> type = CLASS_BY_KIND.get(kind);
    if (type == null) {
      throw new IllegalArgumentException("unknown kind '" + kind + "'");
    }
    return type;
  }

  /** Whether a kind string is registered. */
  public static boolean isRegistered(String kind) {
    return kind != null && CLASS_BY_KIND.containsKey(kind);
  }

  /**
   * Registers (or re-registers) a kind string for a model class.
   *
   * @throws IllegalArgumentException if the kind string is not of the form {@code
   *     <group>/<version>/<Kind>} or the kind is already registered for a different class
   */
  public static void register(String kind, Class<? extends KubernetesObject> type) {
    Objects.requireNonNull(type, "type");
    parse(kind);
    Class<? extends KubernetesObject> previous = CLASS_BY_KIND.putIfAbsent(kind, type);
    if (previous != null && previous != type) {
      throw new IllegalArgumentException(
          "kind '" + kind + "' is already registered for " + previous.getName());
    }
    KIND_BY_CLASS.putIfAbsent(type, kind);
  }

  /**
   * The {@code apiVersion} of a kind string: {@code "v1"} for {@code "/v1/Pod"}, {@code "apps/v1"}
   * for ReplicaSets.
   */
  public static String apiVersion(String kind) {
    String[] parts = parse(kind);
    return parts[0].isEmpty() ? parts[1] : parts[0] + "/" + parts[1];
  }

  /** The {@code kind} field of a kind string: {@code "Pod"} for {@code "/v1/Pod"}. */
  public static String kindName(String kind) {
    return parse(kind)[2];
  }

  /**
   * A reference to an object with a producer-assigned version.
   *
   * @throws IllegalArgumentException if the object's kind is unknown or it has no metadata
   */
  public static ObjectRef ref(KubernetesObject object, long version) {
    V1ObjectMeta meta = object.getMetadata();
    if (meta == null) {
      throw new IllegalArgumentException("object has no metadata");
    }
    return ObjectRef.newBuilder()
        .setKind(of(object))
        .setNamespace(Objects.requireNonNullElse(meta.getNamespace(), ""))
        .setName(Objects.requireNonNullElse(meta.getName(), ""))
        .setVersion(version)
        .build();
  }

  /**
   * The cache key of an object: {@code "namespace/name"}, or just {@code name} for cluster-scoped
   * objects (the same key as client-java's {@code Caches.metaNamespaceKeyFunc}).
   */
  public static String key(String namespace, String name) {
    Objects.requireNonNull(name, "name");
    return namespace == null || namespace.isEmpty() ? name : namespace + "/" + name;
  }

  /** {@code namespace/name} of a ref (see {@link #key(String, String)}). */
  public static String key(ObjectRef ref) {
    return key(ref.getNamespace(), ref.getName());
  }

  private static String[] parse(String kind) {
    Objects.requireNonNull(kind, "kind");
    int first = kind.indexOf('/');
    int last = kind.lastIndexOf('/');
    if (first < 0
        || first == last
        || last == kind.length() - 1
        || last == first + 1
        || kind.indexOf('/', first + 1) != last) {
      throw new IllegalArgumentException(
          "kind must look like '<group>/<version>/<Kind>', got '" + kind + "'");
    }
    return new String[] {
      kind.substring(0, first), kind.substring(first + 1, last), kind.substring(last + 1)
    };
  }
}
